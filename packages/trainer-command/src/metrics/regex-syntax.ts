/**
 * Why a pattern does not compile on RE2, in words for the person who wrote it. User patterns run on RE2 (the
 * re2js port), whose matching time grows linearly with the line whatever the pattern is; the price is that the
 * features which need backtracking are not there. Those are named here with what to write instead; any other
 * error is RE2's own description of the fragment at fault.
 */
import { RE2JSSyntaxException } from 're2js';

/** Where the syntax RE2 accepts is described, for every message. */
export const RE2_SYNTAX_URL = 'https://github.com/google/re2/wiki/Syntax';

const ENGINE = 'patterns run on RE2, a linear-time engine';

/** The features RE2 leaves out, recognised by the fragment RE2 stopped at. */
const UNSUPPORTED: Array<{ test: (fragment: string) => boolean; message: string }> = [
  {
    test: (f) => /^\\[1-9k]/.test(f),
    message: `backreferences (\\1, \\k<name>) are not supported: ${ENGINE} that cannot match them`,
  },
  {
    test: (f) => f.startsWith('(?=') || f.startsWith('(?!'),
    message: `lookahead ((?=...), (?!...)) is not supported: ${ENGINE} without lookaround`,
  },
  {
    test: (f) => f.startsWith('(?<=') || f.startsWith('(?<!'),
    message: `lookbehind ((?<=...), (?<!...)) is not supported: ${ENGINE} without lookaround`,
  },
  {
    test: (f) => f.startsWith('(?>'),
    message: `atomic groups ((?>...)) are not supported: ${ENGINE}; a plain group does the same here`,
  },
  {
    test: (f) => /^(?:[*+?]|\{[\d,]*\})\+$/.test(f),
    message: `possessive quantifiers (*+, ++, ?+) are not supported: ${ENGINE}; drop the second +`,
  },
  {
    test: (f) => f === '\\u',
    message: 'a \\uXXXX escape is not RE2 syntax: write \\x{XXXX} instead (e.g. \\x{b5} for µ)',
  },
];

/** One sentence saying what is wrong with a pattern RE2 refused (`err` is what compiling threw). */
export function explainRegexError(err: unknown): string {
  if (!(err instanceof RE2JSSyntaxException))
    return `not a valid regular expression: ${(err as Error).message}`;
  const fragment = err.getPattern() ?? '';
  const known = UNSUPPORTED.find((u) => u.test(fragment));
  if (known) return known.message;
  return `not a valid regular expression (RE2 syntax, see ${RE2_SYNTAX_URL}): ${err.getDescription()} at \`${fragment}\``;
}
