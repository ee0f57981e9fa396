/**
 * `@sweeps/trainer-tfjs/spec`: the `tfjs` kind as the trainer catalogue reads it. Loads no TensorFlow.js:
 * `tfjsTrainer.load()` brings the trainer in on a worker.
 */
export { tfjsTrainer, TfjsTrainerSchema } from './descriptor.ts';
