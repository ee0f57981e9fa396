import { describe, expect, it } from 'vitest';
import { boundCheck, MAX_SHOWN_VALUES, runParserCheck } from './parser-check-task.ts';

describe('the parser check task', () => {
  it(`keeps an answer to ${MAX_SHOWN_VALUES} metric values and says how many epochs it left out`, () => {
    const values = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, 1]));
    const sample = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify({ epoch: i + 1, ...values }),
    );
    const out = runParserCheck({ parser: 'jsonl', sample: sample.join('\n'), metric: 'm0' });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.check.epochs).toHaveLength(100);
    expect(out.check.message).toMatch(
      /m0 found in 150 of 150 epoch\(s\).*; the first 100 of 150 epochs are shown \(at most 10000 values\)/,
    );
    const small = { parser: 'jsonl', metric: 'x', found: false, message: 'm', epochs: [] };
    expect(boundCheck(small)).toBe(small);
  });

  it('gives a refused pattern back as a value (a thread boundary would drop the error class)', () => {
    const out = runParserCheck({
      parser: 'regex:(?<epoch>\\d+)(?=x)(?<m>\\d)',
      sample: '',
      metric: 'm',
    });
    expect(out).toMatchObject({ ok: false, code: 'INVALID_SPEC' });
    expect(out.ok ? '' : out.message).toMatch(/lookahead .* not supported/);
  });
});
