/**
 * Reads one JSON object from a line. Python's `json.dumps` (MMDetection's `.log.json`, mmengine's `scalars.json`,
 * most training scripts) writes `NaN`, `Infinity` and `-Infinity` as bare words, which `JSON.parse` refuses:
 * those are read as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` so that {@link toMetricNumber} gives them back.
 */

/** Rewrites bare NaN/Infinity tokens outside strings as strings; null when there are none. */
function quotePythonSpecials(text: string): string | null {
  let out = '';
  let changed = false;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const word = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (word) {
      out += `"${word[1]}"`;
      i += word[1]!.length - 1;
      changed = true;
    } else out += c;
  }
  return changed ? out : null;
}

/** Parses JSON as Python writes it (bare NaN/Infinity read as strings); undefined when it is not JSON. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const quoted = quotePythonSpecials(text);
    if (quoted === null) return undefined;
    try {
      return JSON.parse(quoted);
    } catch {
      return undefined;
    }
  }
}

/** The JSON object on this line (surrounding blanks allowed), or null for anything else. */
export function parseJsonObjectLine(line: string): Record<string, unknown> | null {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  const value = parsePythonJson(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
