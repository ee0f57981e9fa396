#!/usr/bin/env node
// The synthetic trainer: prints {"epoch": N, "bbox_mAP": v} per epoch (sleeping --epoch-ms between epochs), so a
// command-trainer sweep has crossing per-epoch curves without training anything.
// node examples/asha-synthetic/train.mjs --lr 0.01 --weight-decay 1e-4 --seed 0 --epochs 12 --checkpoint base
// With --snapshot-dir D it writes D/epoch_N.json after each epoch (before printing it), and with a non-empty
// --resume-from F (a file in that directory) it continues after the newest epoch saved there, as a real trainer
// resumes from a snapshot:
// a sweep that passes `{snapshot_dir}` and `{resume_from}` lets asha pause its trials at rungs.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticValue } from './curve.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const epochs = Number(args.epochs ?? 12);
const epochMs = Number(args['epoch-ms'] ?? 0);
const snapshotDir = args['snapshot-dir'];
const resumeFrom = args['resume-from'];
process.on('SIGTERM', () => process.exit(143));
let first = 1;
if (resumeFrom) {
  const dir = path.dirname(resumeFrom);
  const saved = readdirSync(dir)
    .map((name) => /^epoch_(\d+)\.json$/.exec(name)?.[1])
    .filter((n) => n !== undefined)
    .map(Number);
  const done = saved.length > 0 ? Math.max(...saved) : 0;
  if (JSON.parse(readFileSync(path.join(dir, `epoch_${done}.json`), 'utf8')).epoch !== done)
    throw new Error(`${dir}/epoch_${done}.json does not hold epoch ${done}`);
  first = done + 1;
  console.error(`resumed from ${dir}/epoch_${done}.json after epoch ${done}`);
}
for (let epoch = first; epoch <= epochs; epoch++) {
  if (epochMs > 0) await new Promise((r) => setTimeout(r, epochMs));
  const value = syntheticValue({
    lr: Number(args.lr),
    weightDecay: Number(args['weight-decay']),
    seed: Number(args.seed ?? 0),
    epoch,
    checkpoint: args.checkpoint,
  });
  if (snapshotDir) {
    const tmp = path.join(snapshotDir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, 'epoch.json'), JSON.stringify({ epoch }));
    // atomic: a stopped run leaves whole snapshots only
    renameSync(path.join(tmp, 'epoch.json'), path.join(snapshotDir, `epoch_${epoch}.json`));
  }
  console.log(JSON.stringify({ epoch, bbox_mAP: value }));
}
