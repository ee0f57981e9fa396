/**
 * Batch-norm arithmetic on flat [rows, channels] float32 arrays (channels last), for the fused wasm
 * kernels: each function is one or two streaming passes, where the op-by-op version makes about a
 * dozen passes and as many allocations.
 *
 * The loop shapes are measured choices (V8, 262k values): per-channel sums go four channels at a time
 * down the rows into local float64 accumulators (0.25 ms; accumulating into a typed array costs 4x);
 * element-wise passes run flat with a channel counter (0.4 ms; a nested row/channel loop costs 2x).
 */

/** Per-channel sums of x (and of x * w when w is given) for channels [c0, c0 + 4). */
function sumFour(x: Float32Array, channels: number, c0: number, out: Float64Array, w?: Float32Array, outW?: Float64Array, shift?: Float32Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  const m0 = shift ? shift[c0]! : 0, m1 = shift ? shift[c0 + 1]! : 0, m2 = shift ? shift[c0 + 2]! : 0, m3 = shift ? shift[c0 + 3]! : 0;
  if (w === undefined) {
    for (let i = c0; i < x.length; i += channels) {
      s0 += x[i]!;
      s1 += x[i + 1]!;
      s2 += x[i + 2]!;
      s3 += x[i + 3]!;
    }
  } else {
    for (let i = c0; i < x.length; i += channels) {
      const a0 = x[i]!, a1 = x[i + 1]!, a2 = x[i + 2]!, a3 = x[i + 3]!;
      s0 += a0;
      s1 += a1;
      s2 += a2;
      s3 += a3;
      p0 += a0 * (w[i]! - m0);
      p1 += a1 * (w[i + 1]! - m1);
      p2 += a2 * (w[i + 2]! - m2);
      p3 += a3 * (w[i + 3]! - m3);
    }
    outW![c0] = p0;
    outW![c0 + 1] = p1;
    outW![c0 + 2] = p2;
    outW![c0 + 3] = p3;
  }
  out[c0] = s0;
  out[c0 + 1] = s1;
  out[c0 + 2] = s2;
  out[c0 + 3] = s3;
}

/** Per-channel sum of x and, with w, of x * (w - shift): the same as sumFour for one channel. */
function sumOne(x: Float32Array, channels: number, c: number, out: Float64Array, w?: Float32Array, outW?: Float64Array, shift?: Float32Array): void {
  let s = 0, p = 0;
  const m = shift ? shift[c]! : 0;
  for (let i = c; i < x.length; i += channels) {
    s += x[i]!;
    if (w !== undefined) p += x[i]! * (w[i]! - m);
  }
  out[c] = s;
  if (outW !== undefined) outW[c] = p;
}

/** Per-channel sums of x, and of x * (w - shift[c]) when w is given. */
function channelSums(x: Float32Array, channels: number, w?: Float32Array, shift?: Float32Array): { sums: Float64Array; products: Float64Array } {
  const sums = new Float64Array(channels);
  const products = new Float64Array(channels);
  let c = 0;
  for (; c + 4 <= channels; c += 4) sumFour(x, channels, c, sums, w, products, shift);
  for (; c < channels; c++) sumOne(x, channels, c, sums, w, products, shift);
  return { sums, products };
}

/** y[i] = x[i] * scale[c] + shift[c] (+ z[i] * zScale[c] when z is given), c = i mod channels. */
function affine(x: Float32Array, channels: number, scale: Float32Array, shift: Float32Array, y: Float32Array, z?: Float32Array, zScale?: Float32Array): void {
  let c = 0;
  if (z === undefined) {
    for (let i = 0; i < x.length; i++) {
      y[i] = x[i]! * scale[c]! + shift[c]!;
      if (++c === channels) c = 0;
    }
    return;
  }
  for (let i = 0; i < x.length; i++) {
    y[i] = x[i]! * scale[c]! + z[i]! * zScale![c]! + shift[c]!;
    if (++c === channels) c = 0;
  }
}

/** Per-channel mean, biased variance (two-pass: sum of (x - mean)^2) and 1/sqrt(variance + epsilon). */
export function channelStats(x: Float32Array, channels: number, epsilon: number, mean: Float32Array, variance: Float32Array, rstd: Float32Array): void {
  const rows = x.length / channels;
  const { sums } = channelSums(x, channels);
  for (let c = 0; c < channels; c++) mean[c] = sums[c]! / rows;
  // sum((x - m)^2) = sum(x * (x - m)) - m * sum(x - m), and sum(x - m) is ~0 by construction.
  const { sums: again, products } = channelSums(x, channels, x, mean);
  for (let c = 0; c < channels; c++) {
    const centredSum = again[c]! - mean[c]! * rows;
    const v = Math.max(0, (products[c]! - mean[c]! * centredSum) / rows);
    variance[c] = v;
    rstd[c] = 1 / Math.sqrt(v + epsilon);
  }
}

/** y = (x - mean) * rstd * gamma + beta. */
export function normalise(x: Float32Array, channels: number, mean: Float32Array, rstd: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array): void {
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c]! * rstd[c]!;
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  affine(x, channels, scale, shift, y);
}

/**
 * Gradients of y = (x - mean) * rstd * gamma + beta with batch statistics:
 * dBeta = sum(dy), dGamma = rstd * sum(dy * (x - mean)),
 * dx = gamma*rstd*(dy - dBeta/m) - (x - mean) * gamma*rstd^2*dGamma/m.
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  channels: number,
  mean: Float32Array,
  rstd: Float32Array,
  gamma: Float32Array,
  out: { dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array },
): void {
  const rows = x.length / channels;
  const { sums: sumDy, products: sumDyXc } = channelSums(dy, channels, x, mean);
  // dx = dy * a + x * b + k, with a = gamma*rstd, b = -a*rstd*dGamma/m, k = -a*dBeta/m - mean*b.
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  const k = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    out.dBeta[c] = sumDy[c]!;
    out.dGamma[c] = sumDyXc[c]! * rstd[c]!;
    a[c] = gamma[c]! * rstd[c]!;
    b[c] = (-a[c]! * rstd[c]! * out.dGamma[c]!) / rows;
    k[c] = (-a[c]! * sumDy[c]!) / rows - mean[c]! * b[c]!;
  }
  affine(dy, channels, a, k, out.dx, x, b);
}
