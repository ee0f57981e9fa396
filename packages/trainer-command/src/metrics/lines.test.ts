import { describe, expect, it } from 'vitest';
import { splitLines } from './lines.ts';

describe('stored lines hold no terminal escapes', () => {
  it("removes mmengine's coloured prefixes (underline, blink, bright colours) and keeps the text", () => {
    const line =
      '\u001b[32m2026/01/01 00:00:00\u001b[0m - \u001b[4m\u001b[97mmmengine\u001b[0m - \u001b[5m\u001b[4m\u001b[33mWARNING\u001b[0m - The testing results of the whole dataset is empty.';
    expect(splitLines(line)).toEqual([
      '2026/01/01 00:00:00 - mmengine - WARNING - The testing results of the whole dataset is empty.',
    ]);
  });

  it('removes 256-colour and true-colour codes, titles, hyperlinks, charset switches and stray controls', () => {
    const text = [
      '\u001b[38;5;208mloss\u001b[39m: \u001b[38;2;255;0;0m1.5\u001b[0m',
      '\u001b]0;training\u0007epoch 1',
      '\u001b]8;;https://example.org\u001b\\link\u001b]8;;\u001b\\ done',
      '\u001b(Bplain\u001b7 saved\u001b8',
      'bell\u0007 back\bspace\u001b',
      '\u001b[?25l\u001b[2K\u001b[1G',
    ].join('\n');
    expect(splitLines(text)).toEqual([
      'loss: 1.5',
      'epoch 1',
      'link done',
      'plain saved',
      'bell backspace',
    ]);
  });

  it('keeps tabs and text that only looks like a code', () => {
    expect(splitLines('a\tb [31m not an escape')).toEqual(['a\tb [31m not an escape']);
  });
});
