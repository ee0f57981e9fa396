import { describe, expect, it } from 'vitest';
import { boundErrorText, lastLine, MAX_ERROR_CHARS, OutputTail } from './output-tail.ts';

describe('error text kept with a trial', () => {
  it('keeps a short text as it is', () => {
    expect(boundErrorText('diverged: loss = NaN\nline 1')).toBe('diverged: loss = NaN\nline 1');
  });

  it('keeps the first line and the last lines of the output, which explain the failure', () => {
    const output = Array.from({ length: 500 }, (_, i) => `Epoch(train) [1][${i}/500] loss: 1.0`);
    output.push('WARNING - The testing results of the whole dataset is empty.');
    const text = `metric bbox_mAP never appeared\n${output.join('\n')}`;
    const kept = boundErrorText(text);
    expect(kept.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    const lines = kept.split('\n');
    expect(lines[0]).toBe('metric bbox_mAP never appeared');
    expect(lines[1]).toMatch(/^… \(\d+ earlier line\(s\) of output not kept\)$/);
    expect(lines.at(-1)).toBe('WARNING - The testing results of the whole dataset is empty.');
    expect(lines.at(-2)).toBe('Epoch(train) [1][499/500] loss: 1.0');
    expect(Number(/\((\d+)/.exec(lines[1]!)![1]) + lines.length - 2).toBe(501);
  });

  it('keeps the end of one huge last line, and cuts a huge first line', () => {
    const kept = boundErrorText(`failed\n${'x'.repeat(10_000)}END`);
    expect(kept.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    expect(kept.startsWith('failed\n… (the line was cut)\n…')).toBe(true);
    expect(kept.endsWith('xEND')).toBe(true);
    const long = boundErrorText('y'.repeat(9000));
    expect(long).toHaveLength(MAX_ERROR_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('the output tail keeps the last lines, each bounded', () => {
    const tail = new OutputTail(2);
    for (const l of ['a', 'b', 'z'.repeat(3000)]) tail.push(l);
    expect(tail.text()).toBe(`b\n${'z'.repeat(2000)}…`);
  });
});

describe('the line a log shows of an error', () => {
  it('is the last non-empty line of its message, where Prisma puts the cause', () => {
    const prisma = new Error(
      '\nInvalid `db.trial.update()` invocation:\n\n\nConnection terminated unexpectedly\n\n',
    );
    expect(lastLine(prisma)).toBe('Connection terminated unexpectedly');
    expect(lastLine('one line')).toBe('one line');
    expect(lastLine(new Error(''))).toBe('');
  });
});
