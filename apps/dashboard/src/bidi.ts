/**
 * Text from trainers, workers and sweep files is shown as written, except for the invisible characters that
 * change the direction of the text around them: a trainer's error holding U+202E (right-to-left override) would
 * otherwise show reversed, and could make one file name or number read as another. Each such character is shown
 * as a visible marker instead (`⟨U+202E⟩`); the text is also isolated from its surroundings (`<bdi>`, see
 * components/untrusted.tsx), so right-to-left letters in it cannot reorder the page's own words.
 */

/**
 * The bidirectional formatting characters: embeddings and overrides (U+202A-U+202E), isolates
 * (U+2066-U+2069), the left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** `text` with every bidirectional control character written out as `⟨U+XXXX⟩`. */
export function escapeBidi(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}

/** Whether `text` holds any bidirectional control character. */
export function hasBidiControls(text: string): boolean {
  BIDI_CONTROLS.lastIndex = 0;
  return BIDI_CONTROLS.test(text);
}
