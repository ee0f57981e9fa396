/**
 * Routing by capability (issue 22): two workers allow only `node`, one only `python3`; a sweep whose trials run
 * under either interpreter (the checkpoint names it) finishes with every trial succeeded on a worker that accepts
 * it, in one attempt, and no run under a refused claim; a sweep no live worker accepts fails as `invalid`, saying
 * so. Also: a second worker started with an id in use is refused, naming who holds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const stack = new Stack();
const NODE_ONLY = ['node-a', 'node-b'].map((w) => `${w}-${stack.prefix}`);
const PYTHON_ONLY = `py-${stack.prefix}`;

beforeAll(async () => {
  await stack.start({ workers: 0 });
  for (const id of NODE_ONLY) await stack.startWorker(id);
  await stack.startWorker(PYTHON_ONLY, 1, 30, {
    env: { SWEEPS_WORKER_ALLOW_COMMANDS: 'python3' },
  });
}, 180_000);
afterAll(() => stack.stop());

const lrs = [0.1, 0.2, 0.3, 0.4];
const mixedSweep = {
  name: 'two-runtimes',
  metric: { name: 'score' },
  trainer: { kind: 'command', command: ['{checkpoint.name}', '{checkpoint.uri}', '{lr}'] },
  checkpoints: [
    { name: 'node', uri: 'test/fixtures/two-runtimes/train.mjs', baseline: true },
    { name: 'python3', uri: 'test/fixtures/two-runtimes/train.py' },
  ],
  space: { optimizer: { SGD: { lr: lrs, weight_decay: [0, 0.1] } } },
};

describe('routing by capability', () => {
  it('runs every trial of a mixed sweep on a worker that accepts it, burning no attempt', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', mixedSweep);
    expect(created.status, created.text).toBe(201);
    const sweepId = created.json.id as string;
    await stack.waitForPhase(sweepId, 'finished', 180_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    const trials = await stack.db.trial.findMany({
      where: { sweepId },
      select: {
        id: true,
        state: true,
        attempts: true,
        lease: true,
        workerId: true,
        reason: true,
        checkpoint: { select: { name: true } },
      },
    });
    expect(trials).toHaveLength(16);
    for (const t of trials) {
      const where = t.checkpoint.name === 'python3' ? [PYTHON_ONLY] : NODE_ONLY;
      expect(t, JSON.stringify(t)).toMatchObject({ state: 'succeeded', attempts: 1, reason: null });
      expect(where, `${t.id} ran on ${t.workerId}`).toContain(t.workerId);
    }
    // every epoch stored was run under the trial's last lease: nothing ran under a claim that was refused
    const metrics = await stack.db.trialMetric.findMany({
      where: { trialId: { in: trials.map((t) => t.id) } },
      select: { trialId: true, lease: true, name: true },
    });
    const leaseOf = new Map(trials.map((t) => [t.id, t.lease]));
    expect(metrics.length).toBeGreaterThanOrEqual(16 * 2);
    for (const m of metrics) expect(m.lease).toBe(leaseOf.get(m.trialId));
    const ranBy = (name: string) =>
      new Set(metrics.filter((m) => m.name === name).map((m) => m.trialId));
    expect(ranBy('python').size).toBe(8);
    expect(ranBy('node').size).toBe(8);
    // the node-only workers did take python3 trials and left them to the python3 worker
    const refusals = stack.workers
      .filter((w) => NODE_ONLY.includes(w.name))
      .flatMap((w) => w.output.filter((l) => l.includes('left to another worker')));
    expect(refusals.length, stack.logs()).toBeGreaterThan(0);
  }, 240_000);

  it('fails a trial as invalid only when no live worker accepts it, and says so', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', {
      ...mixedSweep,
      name: 'perl-only',
      trainer: { kind: 'command', command: ['perl', '-e', '1'] },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
    });
    expect(created.status, created.text).toBe(201);
    expect(JSON.stringify(created.json.warnings)).toMatch(/no live worker would run this trainer/);
    const sweepId = created.json.id as string;
    await stack.waitForPhase(sweepId, 'finished', 60_000);
    const [t] = await stack.db.trial.findMany({ where: { sweepId } });
    expect(t).toMatchObject({ state: 'failed', reason: 'invalid', attempts: 1 });
    expect(t!.error).toMatch(
      /^refused by this worker's policy: .*perl.*\(and no other live worker accepts it\)/,
    );
  }, 120_000);
});

describe('worker identity', () => {
  it('refuses a second worker started with an id in use, naming the holder', async () => {
    const holder = await stack.db.worker.findUniqueOrThrow({ where: { id: PYTHON_ONLY } });
    const proc = await stack.startWorker(PYTHON_ONLY, 1, 30, {
      env: { SWEEPS_WORKER_ALLOW_COMMANDS: 'python3' },
      waitReady: false,
    });
    await waitFor('the duplicate to exit', async () => proc.child.exitCode !== null, 60_000);
    expect(proc.child.exitCode).toBe(1);
    expect(proc.output.some((l) => l.includes('ready with'))).toBe(false);
    const said = proc.output.join('\n');
    expect(said).toContain(`the worker id "${PYTHON_ONLY}" is in use`);
    expect(said).toContain(`pid ${holder.pid} on host ${holder.host}`);
    expect(said).toMatch(/another --id/);
    // the live holder keeps its row
    const row = await stack.db.worker.findUniqueOrThrow({ where: { id: PYTHON_ONLY } });
    expect(row).toMatchObject({ pid: holder.pid, token: holder.token, stoppedAt: null });
  }, 120_000);
});
