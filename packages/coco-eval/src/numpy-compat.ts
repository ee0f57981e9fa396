// Small pieces of numpy and Python whose exact rounding the printed and returned numbers depend on.

const BLOCK = 128; // numpy's PW_BLOCKSIZE

/** numpy's pairwise summation of `values[from .. from + n)` (the loop behind `np.add.reduce` on float64). */
function pairwiseSum(values: Float64Array, from: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += values[from + i]!;
    return res;
  }
  if (n <= BLOCK) {
    const r = Array.from(values.subarray(from, from + 8));
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += values[from + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += values[from + i]!;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, half) + pairwiseSum(values, from + half, n - half);
}

/** `np.mean` of `values[0 .. n)`, bit for bit as numpy ≥ 2 computes it (0.0 + pairwise sum, then divide). */
export function numpyMean(values: Float64Array, n: number): number {
  return (0 + pairwiseSum(values, 0, n)) / n;
}

/**
 * Python's `'{:0.Nf}'.format(x)`. JavaScript's toFixed rounds exact ties away from zero where Python rounds them
 * to even: a tie at N decimals happens exactly when x * 2^(N+1) is an odd integer (e.g. 0.0625 at 3 decimals).
 */
export function formatFixed(x: number, digits: number): string {
  const scaled = x * 2 ** (digits + 1);
  if (Number.isInteger(scaled) && Math.abs(scaled % 2) === 1 && Math.abs(x) < 2 ** 40) {
    const low = Math.floor(Math.abs(x) * 10 ** digits); // exact: |x| * 10^N = low + 0.5
    const even = low % 2 === 0 ? low : low + 1;
    return `${x < 0 ? '-' : ''}${(even / 10 ** digits).toFixed(digits)}`;
  }
  return x.toFixed(digits);
}
