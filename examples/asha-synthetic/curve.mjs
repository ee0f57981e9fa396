/**
 * A deterministic, study-shaped learning curve for asha tests and benchmarks: per checkpoint an optimal lr; a
 * higher lr learns faster (leads early) but ends lower, a lower lr is slow and ends lower too, so curves cross.
 * Weight decay moves the final value a little; the seed adds a small fixed offset (seed noise).
 */
export function syntheticValue({ lr, weightDecay, seed, epoch, checkpoint }) {
  const optimum = checkpoint === 'tnr' ? -2.3 : -2; // log10 of the best lr per checkpoint
  const x = Math.log10(lr) - optimum;
  const final = 0.45 - 0.08 * x * x - 0.01 * Math.abs(Math.log10(weightDecay + 1e-6) + 4);
  const speed = 0.25 * 10 ** (0.7 * x);
  const noise = (((seed * 7919 + Math.round(lr * 1e6) * 31) % 97) / 97 - 0.5) * 0.004;
  return final * (1 - Math.exp(-speed * epoch)) + noise;
}
