/**
 * Two-sample statistics for the best-setting table: Welch's confidence interval of a difference of means and
 * Welch's two-sided t-test, from per-cell summaries (mean, sample sd, n) as cell_stats keeps them. The Student t
 * distribution is computed here (regularized incomplete beta by continued fraction), checked against scipy in
 * `statistics.test.ts` with fixtures from `fixtures/welch_fixtures.py`.
 */

/** A sample summarised: mean, sample standard deviation (n - 1 denominator) and size. */
export interface SampleSummary {
  mean: number;
  /** Sample standard deviation; null (or anything) with n < 2, where Welch does not apply. */
  std: number | null;
  n: number;
}

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    h *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use I_x(a, b) = 1 - I_{1-x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` > 0 degrees of freedom (df need not be an integer). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided tail probability P(|T| >= |t|), computed without the cancellation of 1 - cdf. */
function twoSidedTail(t: number, df: number): number {
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The `p`-quantile of Student's t with `df` degrees of freedom: bisection on the cdf to ~1e-12. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p; // the one-sided tail mass beyond the quantile
  let lo = 0;
  let hi = 1;
  while (twoSidedTail(hi, df) / 2 > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedTail(mid, df) / 2 > tail) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  return upper ? q : -q;
}

/** Welch's statistics of mean(a) - mean(b): standard error and Welch-Satterthwaite degrees of freedom. */
export interface WelchParts {
  diff: number;
  se: number;
  df: number;
}

/** Null when either side has fewer than 2 values (no variance estimate). */
export function welchParts(a: SampleSummary, b: SampleSummary): WelchParts | null {
  if (a.n < 2 || b.n < 2 || a.std === null || b.std === null) return null;
  if (![a.mean, b.mean, a.std, b.std].every(Number.isFinite)) return null;
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { diff: a.mean - b.mean, se, df };
}

/**
 * The `level` (default 0.95) Welch confidence interval of mean(a) - mean(b). Null with fewer than 2 values on
 * either side. When both sides have zero spread the interval is the difference itself.
 */
export function welchInterval(
  a: SampleSummary,
  b: SampleSummary,
  level = 0.95,
): [number, number] | null {
  const w = welchParts(a, b);
  if (w === null) return null;
  if (w.se === 0) return [w.diff, w.diff];
  const half = studentTQuantile(1 - (1 - level) / 2, w.df) * w.se;
  return [w.diff - half, w.diff + half];
}

/**
 * Two-sided p-value of Welch's t-test of mean(a) = mean(b). Null with fewer than 2 values on either side; with
 * zero spread on both sides it is 1 for equal means and 0 otherwise.
 */
export function welchPValue(a: SampleSummary, b: SampleSummary): number | null {
  const w = welchParts(a, b);
  if (w === null) return null;
  if (w.se === 0) return w.diff === 0 ? 1 : 0;
  return Math.min(1, twoSidedTail(w.diff / w.se, w.df));
}

/** Mean and sample standard deviation of raw values (std null with one value). */
export function summarize(values: number[]): SampleSummary {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, std: null, n };
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}
