/**
 * Values written into a derived MMDetection config (a Python file that MMDetection executes). Only these
 * literal forms are ever written, so no value of a sweep file can become Python code: numbers as numeric
 * literals (finite, checked against a decimal pattern), booleans as True/False, strings quoted with every
 * character outside printable ASCII escaped, and dict keys that are identifiers.
 */

const NUMBER = /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export type PyValue = number | boolean | string | null | PyValue[] | { [key: string]: PyValue };

/** A Python numeric literal for a finite number (`0.02`, `1e-05`, `12`); throws for anything else. */
export function pyNumber(n: number): string {
  const text = String(n);
  if (!Number.isFinite(n) || !NUMBER.test(text)) throw new Error(`not a finite number: ${text}`);
  return text;
}

/** A single-quoted Python string; quotes, backslashes and every non-printable character escaped. */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/** A Python expression for a value: `dict(key=...)` for objects (identifier keys only), lists, literals. */
export function pyValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `(${v.map(pyValue).join(', ')}${v.length === 1 ? ',' : ''})`;
  const parts = Object.entries(v).map(([k, x]) => {
    if (!IDENTIFIER.test(k)) throw new Error(`not a Python identifier: ${JSON.stringify(k)}`);
    return `${k}=${pyValue(x)}`;
  });
  return `dict(${parts.join(', ')})`;
}
