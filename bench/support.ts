/** The reads benchmarks' data: a 10,000-trial sweep (200 cells x 5 checkpoints x 10 seeds), finished in place. */
import { completeTrial } from '@sweeps/db';
import type { Stack } from '../test/support/stack.ts';

export function sweepSpec(
  name: string,
  lrs: number,
  wds: number,
  checkpoints: number,
  seeds: number,
  trainer: object,
) {
  return {
    name,
    metric: { name: 'bbox_mAP', goal: 'maximize' },
    trainer,
    checkpoints: Array.from({ length: checkpoints }, (_, i) => ({
      name: `ckpt-${i}`,
      uri: 'scratch',
      baseline: i === 0,
    })),
    space: {
      optimizer: {
        SGD: {
          lr: Array.from({ length: lrs }, (_, i) => 0.001 * (i + 1)),
          weight_decay: Array.from({ length: wds }, (_, i) => 1e-5 * (i + 1)),
          momentum: [0.9],
        },
        AdamW: {
          lr: Array.from({ length: lrs }, (_, i) => 1e-5 * (i + 1)),
          weight_decay: Array.from({ length: wds }, (_, i) => 0.01 * (i + 1)),
        },
      },
    },
    fixed: { epochs: 0 },
    seeds: Array.from({ length: seeds }, (_, i) => i),
  };
}

/**
 * Finishes every trial of a sweep through the worker's own completion (`completeTrial`, which also keeps the
 * per-cell statistics the reads use), 8 at a time, then adds 12 epochs x 4 metrics per trial in SQL. The last
 * `leaveRunning` trials stay running (for live-update measurements); their ids are returned.
 */
export async function finishSweep(stack: Stack, sweepId: string, leaveRunning = 0) {
  await stack.db
    .$executeRaw`UPDATE trials SET state = 'running', worker_id = 'bench', started_at = now() - interval '1 hour' WHERE sweep_id = ${sweepId}`;
  const trials = await stack.db.trial.findMany({
    where: { sweepId },
    select: { id: true, lr: true, weightDecay: true, seed: true },
    orderBy: { id: 'asc' },
  });
  const finish = trials.slice(0, trials.length - leaveRunning);
  for (let i = 0; i < finish.length; i += 8) {
    await Promise.all(
      finish.slice(i, i + 8).map((t) =>
        completeTrial(
          stack.db,
          { trialId: t.id, workerId: 'bench', lease: 0 },
          {
            finalMetric: 0.3 + 0.1 * Math.sin(t.lr * 1000 + t.weightDecay * 100 + t.seed),
            metrics: {},
          },
        ),
      ),
    );
  }
  await stack.db.$executeRaw`
    INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
    SELECT t.id, t.lease, e, m, random() FROM trials t, generate_series(1, 12) e, unnest(ARRAY['bbox_mAP', 'loss', 'lr', 'bbox_mAP_50']) m
    WHERE t.sweep_id = ${sweepId}`;
  await stack.db.$executeRaw`
    INSERT INTO trial_progress (trial_id, sweep_id, metrics_lease, epochs_run)
    SELECT id, sweep_id, lease, 12 FROM trials WHERE sweep_id = ${sweepId}`;
  return trials.slice(trials.length - leaveRunning);
}

/** The `q` quantile of `xs` (nearest rank, NaN when there is none). */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}
