/**
 * What a metric may be called and what counts as its value, for every metric source (JSON lines, regex, files,
 * MMDetection logs). Names and numbers from a trainer are validated here before anything stores them.
 */

/** The names a sweep's metric may have (as `metric.name` in the sweep file): `bbox_mAP`, `loss_cls`, `val.acc`. */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,99}$/;

/** Most metrics kept for one epoch from one line or object; the rest are ignored. */
export const MAX_METRICS_PER_EPOCH = 200;

/** Highest epoch accepted (anything above is not an epoch counter). */
export const MAX_EPOCH = 1_000_000;

export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** An epoch number as written by a trainer: a non-negative integer up to {@link MAX_EPOCH}, else null. */
export function toEpoch(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_EPOCH ? n : null;
}

const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  '+nan': Number.NaN,
  '-nan': Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/**
 * A number written as text (`0.3740`, `1.978e-03`, and Python's or C's `nan`, `inf`, `-inf`, `NaN`, `Infinity`),
 * else null. NaN and the infinities are kept, so a diverged loss stays visible.
 */
export function parseMetricNumber(text: string): number | null {
  const t = text.trim();
  if (t.length > 40) return null;
  if (DECIMAL.test(t)) {
    const n = Number(t);
    return Number.isNaN(n) ? null : n;
  }
  const special = SPECIAL[t.toLowerCase()];
  return special === undefined ? null : special;
}

/**
 * A metric's value inside a JSON object: a number, or what JSON cannot hold written as a string (`"NaN"`,
 * `"Infinity"`, `"-Infinity"`) or `null` (NaN). Anything else (other strings, objects) is not a metric: null.
 */
export function toMetricNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === null) return Number.NaN;
  if (typeof value !== 'string') return null;
  const special = SPECIAL[value.toLowerCase()];
  return special === undefined ? null : special;
}

/** A metric value for JSON output: numbers as they are, NaN and the infinities as the strings JSON lacks. */
export type JsonMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeMetricNumber(n: number): JsonMetricValue {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}
