import { describe, expect, it } from 'vitest';
import { table } from './format.ts';
import { printable } from './printable.ts';

describe('printable', () => {
  it('escapes ANSI, bidi, carriage returns and other controls; keeps newlines, tabs and ordinary Unicode', () => {
    expect(printable('\u001b[31mred\u001b[0m')).toBe('\\e[31mred\\e[0m');
    expect(printable('\u001b]0;pwned\u0007')).toBe('\\e]0;pwned\\x07');
    expect(printable('evil\u202Etxt.exe')).toBe('evil\\u202etxt.exe');
    expect(printable('a\u2066b\u2069c\u200bd')).toBe('a\\u2066b\\u2069c\\u200bd');
    expect(printable('ok\rno')).toBe('ok\\rno');
    expect(printable('\u009b2J')).toBe('\\x9b2J');
    expect(printable('line 1\n\tline 2 é 中 😀')).toBe('line 1\n\tline 2 é 中 😀');
  });

  it('is applied to table cells', () => {
    expect(table(['name'], [['\u001b[2Jx']])).toContain('\\e[2Jx');
  });
});
