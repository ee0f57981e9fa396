/**
 * Number and time formatting shared by the pages. Hyperparameters are written as in a sweep file, in their
 * shortest form (`3e-5`, never `3.0000000000000004e-5`); a sweep's metric values share one notation (a fixed
 * number of significant digits for the sweep's largest value), and its gains and sds are written in that same
 * notation, so every number of a page lines up and none switches to exponent form on its own.
 */

/**
 * How a sweep's metric values are written: `fixed` with `digits` decimals, or `exp` (exponent form with `digits`
 * decimals in the mantissa) when the sweep's largest value is below 0.001 or at least 100,000.
 */
export interface MetricNotation {
  kind: 'fixed' | 'exp';
  digits: number;
}

/** Significant digits of a sweep's largest metric value. */
export const SIGNIFICANT = 4;

/** With no value to go by: 4 decimals (metrics such as mAP or accuracy lie in 0..1). */
export const DEFAULT_NOTATION: MetricNotation = { kind: 'fixed', digits: SIGNIFICANT };

/** The one notation of a sweep's metric values: {@link SIGNIFICANT} digits for the largest |value|. */
export function metricNotation(values: Iterable<number | null | undefined>): MetricNotation {
  let max = 0;
  for (const v of values)
    if (typeof v === 'number' && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  if (max === 0) return DEFAULT_NOTATION;
  if (max < 1e-3 || max >= 1e5) return { kind: 'exp', digits: SIGNIFICANT - 1 };
  return { kind: 'fixed', digits: Math.max(0, SIGNIFICANT - 1 - Math.floor(Math.log10(max))) };
}

const NONE = '–';

/** `-0.0000` reads as a loss that is not there: a value that rounds to zero is written without a sign. */
function unsignedZero(text: string): string {
  return /^-0(\.0*)?(e.*)?$/.test(text) ? text.slice(1) : text;
}

function written(v: number, n: MetricNotation): string {
  return unsignedZero(
    n.kind === 'fixed' ? v.toFixed(n.digits) : v.toExponential(n.digits).replace('e+', 'e'),
  );
}

/** A metric value (a mean, a rung value) in the sweep's notation. */
export function metric(v: number | null | undefined, n: MetricNotation = DEFAULT_NOTATION): string {
  return v === null || v === undefined || !Number.isFinite(v) ? NONE : written(v, n);
}

/** A gain (a difference of metric values) with its sign, in the sweep's notation: `+0.0271`, `-0.0040`. */
export function signedMetric(
  v: number | null | undefined,
  n: MetricNotation = DEFAULT_NOTATION,
): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const text = written(v, n);
  return text.startsWith('-') ? text : `+${text}`;
}

/**
 * A spread (an sd) in the sweep's notation; one that is not zero but rounds to zero says so: `<0.0001`, never a
 * `0.0000` that reads as no spread at all.
 */
export function spread(v: number | null | undefined, n: MetricNotation = DEFAULT_NOTATION): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE;
  const text = written(v, n);
  if (v !== 0 && Number(text) === 0 && n.kind === 'fixed')
    return `<${(10 ** -n.digits).toFixed(n.digits)}`;
  return text;
}

/** Kept for callers with no sweep to go by (the sweeps list): a value in the default notation. */
export function fmt(v: number | null | undefined): string {
  return metric(v, metricNotation([v]));
}

/**
 * Hyperparameters as written in a sweep file, in their shortest form: the fewest significant digits that give
 * back the value read at 15 digits (which drops the binary noise of `3.0000000000000004e-5`), in exponent form
 * below 0.001: 0.0001 → `1e-4`, 0.00025 → `2.5e-4`, 0.02 → `0.02`.
 */
export function param(v: number | boolean | undefined): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v) || v === 0) return String(v);
  const clean = Number(v.toPrecision(15));
  let p = 1;
  while (p < 15 && Number(clean.toPrecision(p)) !== clean) p++;
  const abs = Math.abs(clean);
  if (abs < 1e-3 || abs >= 1e21) return clean.toExponential(p - 1).replace('e+', 'e');
  return String(Number(clean.toPrecision(p)));
}

/** Kept for callers with no sweep to go by: a signed value in the default notation. */
export function signed(v: number | null): string {
  return signedMetric(v, DEFAULT_NOTATION);
}

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
