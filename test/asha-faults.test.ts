/**
 * asha under faults, end to end (API, real worker processes, real trainer processes, PostgreSQL, Redis):
 * - a worker killed after storing a rung epoch and before the rung's decision committed: the trial's next attempt
 *   decides, once, and the rung's record counts every trial once;
 * - a pruned trial's whole process group is stopped: the trainer and the grandchild it started are both gone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkpointIdOf } from '@sweeps/core';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const FAMILY = 'test/fixtures/family-trainer.mjs';
const pidDir = mkdtempSync(path.join(tmpdir(), 'asha-faults-'));
const stack = new Stack();
const leftovers: number[] = [];

beforeAll(async () => {
  await stack.start({ workers: 0 });
}, 120_000);
afterEach(() => stack.killWorkers());
afterAll(async () => {
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await stack.stop();
});

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Two trials (lrs 0.1, 0.2) of one checkpoint whose trainer reports the same value every epoch; rungs 1 and 2. */
function familySweep(name: string, epochMs: number) {
  return {
    name,
    metric: { name: 'bbox_mAP' },
    trainer: {
      kind: 'command',
      command: ['node', FAMILY, pidDir, '{trial.id}', '4', String(epochMs)],
    },
    checkpoints: [{ name: 'a', uri: 'none' }],
    space: { optimizer: { SGD: { lr: [0.1, 0.2], weight_decay: [0] } } },
    fixed: { epochs: 4 },
    strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 2 },
  };
}

async function trialsOf(sweepId: string) {
  return (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials`)).json.trials as Array<{
    id: string;
    state: string;
    attempts: number;
    error: string | null;
  }>;
}

const rungRows = (sweepId: string) =>
  stack.db.$queryRaw<Array<{ trial_id: string; epoch: number; out_of: number; promoted: boolean }>>`
    SELECT trial_id, epoch, out_of, promoted FROM trial_rungs WHERE sweep_id = ${sweepId} ORDER BY epoch, seq`;

describe('asha under faults', () => {
  it('a worker killed between a rung epoch and its decision: the next attempt decides, exactly once', async () => {
    const worker = await stack.startWorker(`asha-kill-${stack.prefix}`, 1, 30);
    const created = await stack.call('POST', '/api/v1/sweeps', familySweep('asha-kill', 1500));
    expect(created.status, created.text).toBe(201);
    const sweepId = created.json.id as string;
    // Hold the lock the rung-1 decision takes (one per sweep and checkpoint; the first epoch is 1.5 s away): the
    // worker stores epoch 1, then waits inside the decision's transaction, where it is killed.
    const holder = new pg.Client({ connectionString: stack.databaseUrl });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock(hashtext($1), 0)', [
      `${sweepId}/${checkpointIdOf(sweepId, 'a')}`,
    ]);
    const waiting = await waitFor('a rung decision waiting for the lock', async () => {
      const [row] = await stack.db.$queryRaw<Array<{ trial_id: string }>>`
        SELECT m.trial_id FROM trial_metrics m JOIN trials t ON t.id = m.trial_id
        WHERE t.sweep_id = ${sweepId} AND m.epoch = 1 AND EXISTS (
          SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND NOT l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        LIMIT 1`;
      return row?.trial_id;
    });
    process.kill(-worker.child.pid!, 'SIGKILL');
    await holder.end(); // releases the lock; the dead worker's transaction was rolled back with its connection
    expect(await rungRows(sweepId)).toEqual([]);

    await stack.startWorker(`asha-kill-2-${stack.prefix}`, 1, 30);
    const done = await stack.waitForPhase(sweepId, 'finished', 90_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 1, pruned: 1, failed: 0, total: 2 });
    const trials = await trialsOf(sweepId);
    const killed = trials.find((t) => t.id === waiting)!;
    expect(killed.attempts).toBe(2);
    // One decision per trial at rung 1, counted 1 of 1 and 2 of 2: the killed attempt left no value behind
    const rows = await rungRows(sweepId);
    const rung1 = rows.filter((r) => r.epoch === 1);
    expect(rung1.map((r) => r.out_of)).toEqual([1, 2]);
    expect(new Set(rung1.map((r) => r.trial_id))).toEqual(new Set(trials.map((t) => t.id)));
    for (const t of trials) {
      const decisions = rows.filter((r) => r.trial_id === t.id);
      expect(decisions.length).toBeGreaterThan(0);
      expect(t.state === 'pruned').toBe(decisions.some((d) => !d.promoted));
    }
  });

  it('a pruned trial is stopped with its whole process group: the trainer and its grandchild are gone', async () => {
    await stack.startWorker(`asha-group-${stack.prefix}`, 1, 30);
    const created = await stack.call('POST', '/api/v1/sweeps', familySweep('asha-group', 300));
    expect(created.status, created.text).toBe(201);
    const sweepId = created.json.id as string;
    const done = await stack.waitForPhase(sweepId, 'finished', 60_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 1, pruned: 1, total: 2 });
    const pruned = (await trialsOf(sweepId)).find((t) => t.state === 'pruned')!;
    // one slot: the second trial reached rung 1 with the same value as the first, and ranked below it
    expect(pruned.error).toBe('pruned at epoch 1: rank 2 of 2 at epoch 1 (top 1 go on)');
    const [trainer, grandchild] = readFileSync(path.join(pidDir, `${pruned.id}.pids`), 'utf8')
      .split(' ')
      .map(Number) as [number, number];
    leftovers.push(trainer, grandchild);
    await waitFor(
      'the pruned trainer and its grandchild to be gone',
      async () => !alive(trainer) && !alive(grandchild),
      10_000,
    );
  });
});
