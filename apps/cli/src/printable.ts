/**
 * Terminal safety: every text the CLI prints from the API (names, errors, output tails, logs) goes through
 * `printable`, which shows control characters as escapes instead of letting the terminal act on them. Names and
 * trainer output come from other people: an ANSI sequence could rewrite the screen or the window title, a
 * bidirectional override could make `rm -rf` read as something else, a carriage return could overwrite a line.
 * Newlines and tabs are kept (tables and multi-line tails need them).
 */

// C0 controls but \t and \n, DEL, C1 controls, and the Unicode format characters that reorder or hide text:
// bidi embeddings/overrides/isolates, marks, zero-width characters, the line/paragraph separators, the BOM.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\r') return '\\r';
  if (code === 0x1b) return '\\e';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control and text-direction character shown as a visible escape (`\e`, `\x07`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}
