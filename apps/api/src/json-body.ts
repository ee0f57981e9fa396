/**
 * The API's only body parser: JSON, bounded before it is parsed. Nesting deeper than `MAX_JSON_DEPTH` is refused
 * by a scan of the text (so neither the parser nor a validator can run out of stack), prototype keys are refused,
 * and strings PostgreSQL cannot store (NUL, lone UTF-16 surrogates) are refused with their path. Every refusal is
 * a DomainError, so the one error handler gives it the documented shape.
 */
import type { FastifyInstance } from 'fastify';
import { DomainError, formatPath, type ErrorIssue } from '@sweeps/core';

/** Deepest nesting of arrays and objects a request body may have (a sweep file needs about 6). */
export const MAX_JSON_DEPTH = 64;

/** Most issues reported for one body: enough to point at the problem, bounded for hostile input. */
const MAX_ISSUES = 20;

/** The depth of the deepest array or object in JSON text, counted without parsing (brackets in strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a string cannot be stored, or undefined when it can. */
export function unstorableText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'contains a NUL character (\\u0000), which cannot be stored'
    : 'contains a lone UTF-16 surrogate (not valid Unicode), which cannot be stored';
}

/** Every unstorable string and forbidden key in a parsed body (depth already bounded), with its path. */
export function bodyTextIssues(value: unknown): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const stack: Array<{ v: unknown; path: PropertyKey[] }> = [{ v: value, path: [] }];
  while (stack.length && issues.length < MAX_ISSUES) {
    const { v, path } = stack.pop()!;
    const at = (p: PropertyKey[]) => `body${p.length ? `.${formatPath(p)}` : ''}`;
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) issues.push({ path: at(path), message: `the text ${why}` });
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) stack.push({ v: x, path: [...path, i] });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const why = unstorableText(k);
        if (why) issues.push({ path: at(path), message: `a key ${why}` });
        else if (FORBIDDEN_KEYS.has(k))
          issues.push({ path: at([...path, k]), message: `the key "${k}" is not allowed` });
        else stack.push({ v: x, path: [...path, k] });
      }
    }
  }
  return issues.reverse();
}

/** Parses a JSON body or throws the DomainError that says why it was refused. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new DomainError('INVALID_REQUEST', 'The request body is empty; send a JSON object.');
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH)
    throw new DomainError(
      'INVALID_REQUEST',
      `The request body nests arrays or objects ${depth} deep; at most ${MAX_JSON_DEPTH} are accepted.`,
      [{ path: 'body', message: `nesting deeper than ${MAX_JSON_DEPTH}` }],
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DomainError(
      'MALFORMED_JSON',
      `The request body is not valid JSON (${(err as Error).message}).`,
    );
  }
  const issues = bodyTextIssues(value);
  if (issues.length)
    throw new DomainError(
      'INVALID_REQUEST',
      `The request body was refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  return value;
}

/** Replaces fastify's JSON and text parsers: JSON through `parseJsonBody`, anything else is a 415. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
