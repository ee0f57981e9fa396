/**
 * Failures the system must survive: a worker killed with SIGKILL mid-trial, Redis losing every job, a worker
 * stopped with SIGTERM, and a user cancelling a running trial.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';
import { studySweep } from './fixtures/study-mnist.ts';

const stack = new Stack();
beforeAll(async () => {
  await stack.start({ workers: 0 });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});
afterEach(() => stack.killWorkers());

/** A sweep of `n` slow trials: each epoch sleeps `delayMs`. */
function slowSweep(name: string, lrs: number[], epochs: number, delayMs: number) {
  const s = studySweep({ name, epochs, extraArgs: ['--epoch-delay-ms', String(delayMs)] });
  return {
    ...s,
    checkpoints: [s.checkpoints[0]],
    space: { optimizer: { AdamW: { lr: lrs, weight_decay: [0.05] } } },
  };
}

async function trialsOf(sweepId: string) {
  return (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials?limit=1000`)).json
    .trials as Array<{
    id: string;
    state: string;
    worker: string | null;
    finalMetric: number | null;
    attempts: number;
  }>;
}

async function runningOn(sweepId: string): Promise<{ id: string; worker: string }> {
  return waitFor(
    'a running trial',
    async () =>
      (await trialsOf(sweepId)).find((t) => t.state === 'running' && t.worker) as
        | { id: string; worker: string }
        | undefined,
    60_000,
    100,
  );
}

describe('resilience', () => {
  it('a trial whose worker is killed with SIGKILL finishes on the other worker with exactly one result', async () => {
    const a = await stack.startWorker(`a-${stack.prefix}`);
    const created = await stack.call(
      'POST',
      '/api/v1/sweeps',
      slowSweep('kill-9', [1e-3], 3, 1200),
    );
    const sweepId = created.json.id;
    const first = await runningOn(sweepId);
    expect(first.worker).toBe(a.name);
    await waitFor(
      'epoch 1 stored',
      async () =>
        (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${first.id}`)).json.epochs
          .length >= 1,
    );
    process.kill(-a.child.pid!, 'SIGKILL'); // the worker and the trial it runs
    // Started after the kill: started before, on a loaded machine the trial could end on a before the kill.
    const b = await stack.startWorker(`b-${stack.prefix}`);
    const done = await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 1, total: 1 });
    const t = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${first.id}`)).json;
    expect(t.worker).toBe(b.name);
    expect(t.attempts).toBe(2);
    expect(t.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    expect(t.finalMetric).toBe(t.epochs[2].val_accuracy);
    // Metrics are kept per attempt (lease): the attempt that finished has one row per epoch.
    const { lease } = await stack.db.trial.findUniqueOrThrow({ where: { id: first.id } });
    const rows = await stack.db.trialMetric.count({
      where: { trialId: first.id, name: 'val_accuracy', lease },
    });
    expect(rows).toBe(3);
  });

  it('reconcile completes a sweep after Redis lost every job', async () => {
    const _w = await stack.startWorker(`c-${stack.prefix}`, 2);
    const created = await stack.call(
      'POST',
      '/api/v1/sweeps',
      slowSweep('redis-lost', [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4], 2, 300),
    );
    const sweepId = created.json.id;
    await runningOn(sweepId);
    const redis = new Redis(stack.redisUrl);
    const keys = await redis.keys(`${stack.prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys); // Redis forgets this deployment's queue entirely
    redis.disconnect();
    const done = await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 6, total: 6 });
    for (const t of await trialsOf(sweepId)) {
      // Metrics are kept per attempt (lease): count the finishing attempt's rows.
      const { lease } = await stack.db.trial.findUniqueOrThrow({ where: { id: t.id } });
      const where = { trialId: t.id, name: 'val_accuracy', lease };
      expect(await stack.db.trialMetric.count({ where })).toBe(2);
    }
  });

  it('a worker stopped with SIGTERM hands its trial back when the grace period ends', async () => {
    const a = await stack.startWorker(`d-${stack.prefix}`, 1, 1);
    const created = await stack.call(
      'POST',
      '/api/v1/sweeps',
      slowSweep('sigterm', [1e-3], 3, 1500),
    );
    const sweepId = created.json.id;
    const first = await runningOn(sweepId);
    expect(first.worker).toBe(a.name);
    process.kill(a.child.pid!, 'SIGTERM');
    await waitFor('the worker to exit', async () => a.child.exitCode !== null, 30_000);
    expect(a.child.exitCode).toBe(0);
    expect(a.output.join('\n')).toMatch(/handed back to the queue/);
    const back = (await trialsOf(sweepId))[0]!;
    expect(back).toMatchObject({ state: 'queued', attempts: 0 });
    const b = await stack.startWorker(`e-${stack.prefix}`);
    const done = await stack.waitForPhase(sweepId, 'finished', 120_000);
    expect(done.counts.succeeded).toBe(1);
    expect((await trialsOf(sweepId))[0]!.worker).toBe(b.name);
  });

  it('cancelling a sweep stops its running trial and drops the queued ones', async () => {
    const w = await stack.startWorker(`f-${stack.prefix}`);
    const created = await stack.call(
      'POST',
      '/api/v1/sweeps',
      slowSweep('cancel', [1e-4, 2e-4, 3e-4], 5, 2000),
    );
    const sweepId = created.json.id;
    const running = await runningOn(sweepId);
    const r = await stack.call('POST', `/api/v1/sweeps/${sweepId}/cancel`);
    expect(r.json).toMatchObject({ cancelledQueued: 2, stoppedRunning: 1 });
    await waitFor(
      'the worker to report the cancellation',
      async () => w.output.some((l) => l.includes(`trial ${running.id} cancelled`)),
      20_000,
      100,
    );
    const stopped = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${running.id}`))
      .json;
    expect(stopped.epochs.length).toBeLessThan(5); // stopped mid-run, not left to finish its 5 epochs
    const s = (await stack.call('GET', `/api/v1/sweeps/${sweepId}`)).json;
    expect(s).toMatchObject({ phase: 'cancelled', counts: { cancelled: 3, total: 3 } });
    const retry = await stack.call('POST', `/api/v1/sweeps/${sweepId}/retry-failed`);
    expect(retry.status).toBe(409);
  });

  it('a trial over its time limit is killed and failed with the reason, without retries', async () => {
    await stack.startWorker(`h-${stack.prefix}`);
    const s = slowSweep('timeout', [1e-3], 5, 3000);
    const spec = { ...s, trainer: { ...s.trainer, timeout_s: 2 } };
    const sweepId = (await stack.call('POST', '/api/v1/sweeps', spec)).json.id;
    const done = await stack.waitForPhase(sweepId, 'finished', 60_000);
    expect(done.counts).toMatchObject({ failed: 1, total: 1 });
    const t = (await trialsOf(sweepId))[0]!;
    const detail = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${t.id}`)).json;
    expect(detail.error).toBe('timed out after 2 s');
    expect(detail.reason).toBe('timeout');
    expect(detail.attempts).toBe(1);
  });

  it('retry-failed re-runs only the failed trials', async () => {
    const _w = await stack.startWorker(`g-${stack.prefix}`);
    const s = studySweep({ name: 'retry' });
    const spec = {
      ...s,
      checkpoints: [s.checkpoints[0]],
      space: { optimizer: { SGD: { lr: [0.01, 100], weight_decay: [0], momentum: [0.9] } } },
    };
    const sweepId = (await stack.call('POST', '/api/v1/sweeps', spec)).json.id;
    const done = await stack.waitForPhase(sweepId, 'finished');
    expect(done.counts).toMatchObject({ succeeded: 1, failed: 1 });
    const failed = (await trialsOf(sweepId)).find((t) => t.state === 'failed')!;
    const detail = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${failed.id}`)).json;
    expect(detail.error).toMatch(/diverged/);
    // the training command exited with code 3: stored as diverged, in the trial list as in its view
    expect(detail.reason).toBe('diverged');
    expect(failed).toMatchObject({ reason: 'diverged' });
    const cli = await promisify(execFile)(
      process.execPath,
      ['apps/cli/bin/sweeps.mjs', 'trials', sweepId, '--state', 'failed'],
      { env: { ...process.env, SWEEPS_API_URL: stack.baseUrl, SWEEPS_API_KEY: stack.readKey } },
    );
    expect(cli.stdout).toContain('failed (diverged)');
    const grid = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/grid`)).json.matrices[0];
    expect(grid.failed).toEqual([[0], [1]]);
    expect(
      (await stack.call('GET', `/api/v1/sweeps/${sweepId}/export?format=md&table=grid`)).text,
    ).toContain('| 100 | failed |');
    const ok = (await trialsOf(sweepId)).find((t) => t.state === 'succeeded')!;
    const r = await stack.call('POST', `/api/v1/sweeps/${sweepId}/retry-failed`);
    expect(r.json.retried).toBe(1);
    expect(r.json.requeued).toBe(1); // the deprecated name still answers
    const again = await stack.waitForPhase(sweepId, 'finished');
    expect(again.counts).toMatchObject({ succeeded: 1, failed: 1 });
    const okAfter = (await trialsOf(sweepId)).find((t) => t.id === ok.id)!;
    expect(okAfter).toMatchObject({ state: 'succeeded', attempts: 1, finalMetric: ok.finalMetric });
  });
});
