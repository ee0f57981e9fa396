/** The synthetic command trainer of `examples/asha-synthetic` (deterministic crossing curves), as a sweep runs it. */
export const SYNTHETIC_COMMAND = [
  'node',
  'examples/asha-synthetic/train.mjs',
  '--lr',
  '{lr}',
  '--weight-decay',
  '{weight_decay}',
  '--seed',
  '{seed}',
  '--epochs',
  '{epochs}',
  '--checkpoint',
  '{checkpoint.name}',
];
