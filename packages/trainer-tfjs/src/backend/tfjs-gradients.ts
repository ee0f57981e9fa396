import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients (its ESM register_all_gradients cannot be loaded by
// Node: extensionless imports). The union package's Node bundle registers them, and the chained ops,
// against the same tfjs-core instance; it also registers the webgl backend, removed below.
import '@tensorflow/tfjs';

// WebGL never works in Node: keep tfjs from trying it when a tensor is made before a backend is set.
if (tf.findBackendFactory('webgl') !== null && tf.getBackend() !== 'webgl')
  tf.removeBackend('webgl');

/**
 * Importing this module registers tfjs' gradient functions (tf.grad, optimizers' minimize and
 * tf.layers' fit need them); select-backend.ts imports it. Calling this only makes the dependency
 * explicit where a module trains without going through selectBackend.
 * @returns true (the registration happened when this module was imported).
 */
export function ensureGradientsRegistered(): true {
  return true;
}
