/**
 * Worker identity (issue 22): while two live workers run a sweep's trials and the API reconciles every second with a
 * lost limit of 5 s, a duplicate worker started under a live worker's id is refused and exits, and no trial of a
 * live worker is queued again: every trial runs once, under its first lease. The run lasts about
 * SWEEPS_RECONCILE_SOAK_S seconds of trials (default 40; the 5-minute run is SWEEPS_RECONCILE_SOAK_S=300).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const SOAK_S = Number(process.env.SWEEPS_RECONCILE_SOAK_S ?? 40);
const EPOCH_MS = 2_000;
/** Two rounds of trials on 4 slots, each round about half the soak. */
const EPOCHS = Math.max(2, Math.round((SOAK_S * 1000) / 2 / EPOCH_MS));
const journalDir = mkdtempSync(path.join(tmpdir(), 'worker-identity-'));
const stack = new Stack();
const ids = ['a', 'b'].map((w) => `id-${w}-${stack.prefix}`);
const workerEnv = { SWEEPS_WORKER_LOST_MS: '5000', SWEEPS_HEARTBEAT_MS: '1000' };

beforeAll(async () => {
  await stack.start({
    workers: 0,
    apiEnv: { SWEEPS_RECONCILE_MS: '1000', SWEEPS_WORKER_LOST_MS: '5000' },
  });
  for (const id of ids) await stack.startWorker(id, 2, 30, { env: workerEnv });
}, 180_000);
afterAll(() => stack.stop());

describe('worker identity under reconcile every second', () => {
  it('refuses a duplicate id and never queues a live worker’s trials again', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', {
      name: 'identity-soak',
      metric: { name: 'score' },
      trainer: {
        kind: 'command',
        command: [
          'node',
          'test/fixtures/poison-trainer.mjs',
          'ok',
          '{trial.id}',
          journalDir,
          String(EPOCHS),
          String(EPOCH_MS),
        ],
      },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { SGD: { lr: [0.1, 0.2, 0.3, 0.4], weight_decay: [0, 0.1] } } },
    });
    expect(created.status, created.text).toBe(201);
    const sweepId = created.json.id as string;
    const victim = ids[0]!;
    await waitFor(
      `a trial running on ${victim}`,
      async () => (await stack.db.trial.count({ where: { sweepId, workerId: victim } })) > 0,
      120_000,
    );
    const holder = await stack.db.worker.findUniqueOrThrow({ where: { id: victim } });
    const dup = await stack.startWorker(victim, 2, 30, { env: workerEnv, waitReady: false });
    await waitFor('the duplicate to exit', async () => dup.child.exitCode !== null, 60_000);
    expect(dup.child.exitCode).toBe(1);
    expect(dup.output.join('\n')).toContain(`is in use by a live worker (pid ${holder.pid}`);
    const row = await stack.db.worker.findUniqueOrThrow({ where: { id: victim } });
    expect(row).toMatchObject({ token: holder.token, pid: holder.pid, stoppedAt: null });

    await stack.waitForPhase(sweepId, 'finished', (SOAK_S * 4 + 120) * 1000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    const trials = await stack.db.trial.findMany({
      where: { sweepId },
      select: { id: true, state: true, attempts: true, lease: true, workerId: true },
    });
    expect(trials).toHaveLength(8);
    // a trial queued again (recoverLost, a settle by a duplicate) would have a second lease
    for (const t of trials)
      expect(t, JSON.stringify(t)).toMatchObject({ state: 'succeeded', attempts: 1, lease: 1 });
    expect(new Set(trials.map((t) => t.workerId))).toEqual(new Set(ids));
    const journal = readFileSync(path.join(journalDir, 'journal.log'), 'utf8');
    expect(journal).not.toContain('DUPLICATE');
    const starts = journal.split('\n').filter((l) => l.endsWith(' start ok'));
    expect(starts).toHaveLength(8);
  }, 900_000);
});
