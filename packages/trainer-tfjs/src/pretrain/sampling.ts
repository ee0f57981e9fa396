/**
 * Random draws the recipes' augmentations need, from a uniform [0, 1) source (`SeededRng.next` or a data `Rng`),
 * so a seed fixes them: standard normal (Box-Muller), Gamma (Marsaglia and Tsang 2000; shape < 1 by
 * Gamma(a + 1) x U^(1/a)) and Beta (as X / (X + Y) of two Gammas).
 */
export type Uniform = () => number;

/** A standard normal draw. */
export function sampleNormal(u: Uniform): number {
  const u1 = 1 - u(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
}

/** A Gamma(shape, 1) draw; `shape` > 0. */
export function sampleGamma(u: Uniform, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, got ${shape}`);
  if (shape < 1) return sampleGamma(u, shape + 1) * (1 - u()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw in [0, 1]. */
export function sampleBeta(u: Uniform, a: number, b: number): number {
  const x = sampleGamma(u, a);
  const y = sampleGamma(u, b);
  return x + y === 0 ? 0.5 : x / (x + y);
}
