import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '@sweeps/core';
import { bodyTextIssues, jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from './json-body.ts';

const refusal = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('not refused');
};

describe('the JSON body parser', () => {
  it('measures nesting without parsing, ignoring brackets inside strings', () => {
    expect(jsonDepth('{"a": [1, {"b": "[[[{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(jsonDepth('[]')).toBe(1);
  });

  it('refuses deep nesting with the documented shape, by its scan, before the parser runs', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const parse = vi.spyOn(JSON, 'parse');
    const err = refusal(deep);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toMatch(/200000 deep; at most 64/);
    expect(() =>
      parseJsonBody(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`),
    ).not.toThrow();
  });

  it('names the path of NUL characters and lone surrogates, in values and keys', () => {
    const err = refusal(
      '{"name": "a\\u0000b", "checkpoints": [{"name": "ok"}, {"name": "x\\ud800"}], "k\\udfffey": 1}',
    );
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.issues.map((i) => i.path).sort()).toEqual(
      ['body', 'body.checkpoints[1].name', 'body.name'].sort(),
    );
    expect(err.issues.find((i) => i.path === 'body.name')!.message).toMatch(/NUL/);
    expect(err.issues.find((i) => i.path === 'body.checkpoints[1].name')!.message).toMatch(
      /surrogate/,
    );
  });

  it('accepts proper surrogate pairs and other Unicode', () => {
    expect(parseJsonBody('{"name": "r50 \\ud83d\\ude00 é 中"}')).toEqual({ name: 'r50 😀 é 中' });
  });

  it('refuses prototype keys anywhere', () => {
    const err = refusal('{"fixed": {"__proto__": {"polluted": true}}, "a": [{"constructor": 1}]}');
    expect(err.issues.map((i) => i.path).sort()).toEqual([
      'body.a[0].constructor',
      'body.fixed.__proto__',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('says malformed and empty bodies are not JSON', () => {
    expect(refusal('{"a":').code).toBe('MALFORMED_JSON');
    expect(refusal('  ').code).toBe('INVALID_REQUEST');
  });

  it('bounds the issues it reports', () => {
    expect(bodyTextIssues(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(20);
  });
});
