/**
 * `npm run bench:demo-grid [-- --epochs 2 --train-images 200 --val-images 50]`: a small lr x weight-decay grid
 * over the demo, each cell one trial run by `createTfjsTrainer` (its own child process, as the worker runs it).
 * Prints one JSON line per cell (final bbox mAP, mAP after each epoch, wall time, or the failure and its reason),
 * then a markdown table. The demo set and base checkpoint come from `npm run demo:train`'s cache (made if absent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { PermanentTrialError, type TrialRun } from '@sweeps/core';

import { DEMO, demoTrial, prepareDemo, type DemoSettings } from '../src/bin/demo-train.ts';
import { createTfjsTrainer } from '../src/trainer/tfjs-trainer.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    'train-images': { type: 'string', default: '200' },
    'val-images': { type: 'string', default: '50' },
    lrs: { type: 'string', default: '0.0001,0.001,1' },
    wds: { type: 'string', default: '0.05,0.5' },
    optimizer: { type: 'string', default: 'AdamW' },
    'cache-dir': { type: 'string', default: '.data/demo' },
  },
});
if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);

interface Cell {
  lr: number;
  wd: number;
  state: string;
  bbox_mAP?: number;
  curve: number[];
  wall_s: number;
  error?: string;
}

const settings: DemoSettings = {
  ...DEMO,
  epochs: Number(values.epochs),
  optimizer: values.optimizer as DemoSettings['optimizer'],
};
const { dataDir, base } = await prepareDemo(settings, {
  cacheDir: values['cache-dir'],
  log: (l) => void process.stderr.write(`${l}\n`),
});
const trainer = createTfjsTrainer();
const cells: Cell[] = [];
for (const lr of values.lrs.split(',').map(Number)) {
  for (const wd of values.wds.split(',').map(Number)) {
    const t = demoTrial({ ...settings, lr, weightDecay: wd }, dataDir, base);
    const options = {
      ...t.trainer.options,
      train_images: Number(values['train-images']),
      val_images: Number(values['val-images']),
    };
    const trial: TrialRun = {
      ...t,
      trialId: `grid-${lr}-${wd}`,
      trainer: { kind: 'tfjs', options },
    };
    const trialDir = mkdtempSync(path.join(tmpdir(), 'sweeps-demo-grid-'));
    const curve: number[] = [];
    const started = performance.now();
    const cell: Cell = { lr, wd, state: 'succeeded', curve, wall_s: 0 };
    try {
      const result = await trainer.run(trial, {
        trialDir,
        signal: new AbortController().signal,
        env: {},
        log: () => {},
        reportEpoch: async (_e, m) =>
          void curve.push(Math.round((m['bbox_mAP'] as number) * 1000) / 1000),
      });
      cell.bbox_mAP = result.metrics['bbox_mAP'] as number;
    } catch (err) {
      cell.state = err instanceof PermanentTrialError ? err.reason : 'error';
      cell.error = err instanceof Error ? err.message : String(err);
    } finally {
      rmSync(trialDir, { recursive: true, force: true });
    }
    cell.wall_s = Math.round((performance.now() - started) / 100) / 10;
    cells.push(cell);
    process.stdout.write(`${JSON.stringify(cell)}\n`);
  }
}
process.stdout.write(
  `\n| ${values.optimizer} lr \\ wd | ${values.wds.split(',').join(' | ')} |\n|---|${values.wds
    .split(',')
    .map(() => '---')
    .join('|')}|\n`,
);
for (const lr of [...new Set(cells.map((c) => c.lr))]) {
  const row = cells
    .filter((c) => c.lr === lr)
    .map((c) =>
      c.state === 'succeeded' ? `${c.bbox_mAP!.toFixed(3)} (${c.curve.join(' → ')})` : c.state,
    );
  process.stdout.write(`| ${lr} | ${row.join(' | ')} |\n`);
}
process.exit(0);
