import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales gradients so that their total 2-norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
 * (torch 1.13): total = ||(||g_1||, ..., ||g_n||)||, coef = min(maxNorm / (total + 1e-6), 1), g *= coef
 * (also when coef is 1). Returns the clipped gradients (new tensors) and the total norm before clipping, read
 * asynchronously (a synchronous read would stall every step, and webgpu in Node has none).
 */
export function clipGradNorm(
  grads: Readonly<Record<string, tf.Tensor>>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; totalNorm: Promise<number> } {
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, totalNorm: Promise.resolve(0) };
  const total = tf.tidy(() => {
    const norms = names.map((n) => tf.sqrt(tf.sum(tf.square(grads[n] as tf.Tensor))));
    return tf.sqrt(tf.sum(tf.square(tf.stack(norms))));
  });
  const clipped = tf.tidy(() => {
    const coef = tf.minimum(
      tf.div(tf.scalar(maxNorm), tf.add(total, tf.scalar(1e-6))),
      tf.scalar(1),
    );
    const out: Record<string, tf.Tensor> = {};
    for (const n of names) out[n] = tf.mul(grads[n] as tf.Tensor, coef);
    return out;
  });
  const totalNorm = total.data().then(
    (v) => (total.dispose(), v[0] ?? 0),
    (err: unknown) => (total.dispose(), Promise.reject(err)),
  );
  return { grads: clipped, totalNorm };
}
