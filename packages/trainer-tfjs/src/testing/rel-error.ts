/** Error measures the tests compare against reference numbers (torch fixtures, the cpu backend). */

/** Expected values, every `stride`-th actual value compared with the next one of them. */
export interface StridedValues {
  values: readonly number[];
  stride?: number;
}

type Actual = ArrayLike<number> | { dataSync(): ArrayLike<number> };

function valuesOf(actual: Actual): ArrayLike<number> {
  return 'dataSync' in actual ? actual.dataSync() : actual;
}

function isStrided(e: readonly number[] | StridedValues): e is StridedValues {
  return !Array.isArray(e);
}

/**
 * max |a - e| over the (strided) values, relative to the largest |e|: one tolerance for a whole tensor, so
 * elements near zero do not dominate. The scale has a floor of 1e-6 so all-zero expectations stay finite.
 */
export function maxRelError(actual: Actual, expected: readonly number[] | StridedValues): number {
  const spec: StridedValues = isStrided(expected) ? expected : { values: expected };
  const a = valuesOf(actual);
  const stride = spec.stride ?? 1;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < spec.values.length; i++) {
    const e = spec.values[i]!;
    worst = Math.max(worst, Math.abs(a[i * stride]! - e));
    scale = Math.max(scale, Math.abs(e));
  }
  return worst / Math.max(scale, 1e-6);
}

/**
 * The largest elementwise |a - e| / (|e| + floor): relative for values much larger than `floor`, absolute
 * (times 1 / floor) near zero.
 */
export function maxElementwiseRelError(
  actual: Actual,
  expected: readonly number[],
  floor: number,
): number {
  const a = valuesOf(actual);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    worst = Math.max(worst, Math.abs(a[i]! - e) / (Math.abs(e) + floor));
  }
  return worst;
}
