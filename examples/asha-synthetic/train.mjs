#!/usr/bin/env node
// The synthetic trainer: prints {"epoch": N, "bbox_mAP": v} per epoch (sleeping --epoch-ms between epochs), so a
// command-trainer sweep has crossing per-epoch curves without training anything.
// node examples/asha-synthetic/train.mjs --lr 0.01 --weight-decay 1e-4 --seed 0 --epochs 12 --checkpoint base
import { syntheticValue } from './curve.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const epochs = Number(args.epochs ?? 12);
const epochMs = Number(args['epoch-ms'] ?? 0);
process.on('SIGTERM', () => process.exit(143));
for (let epoch = 1; epoch <= epochs; epoch++) {
  if (epochMs > 0) await new Promise((r) => setTimeout(r, epochMs));
  const value = syntheticValue({
    lr: Number(args.lr),
    weightDecay: Number(args['weight-decay']),
    seed: Number(args.seed ?? 0),
    epoch,
    checkpoint: args.checkpoint,
  });
  console.log(JSON.stringify({ epoch, bbox_mAP: value }));
}
