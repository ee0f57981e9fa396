/**
 * The chaos suite: two sweeps run on four real worker processes over the real PostgreSQL and Redis while faults
 * are injected one after another: poison trainers (an epoch of 3,000,000,000, a NUL in a metric name, 20,000
 * metric names, a 100 MB line, a grandchild that outlives its parent, descendants that leave its session with
 * `setsid` and `detached: true`), `kill -9` of a worker mid-trial, PostgreSQL and then Redis unreachable for
 * every worker, Redis cut from one worker's side past its job locks, and SIGSTOP of a worker mid-trial. The
 * workers reach both services through TCP proxies the suite cuts. At the end: every trial reached a final state
 * exactly once, no worker died but the one killed, no process is left behind, and the trainer's own journal
 * shows no execution twice or beside another. The figures are printed as a summary.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.ts';
import { Stack, type StartedProcess } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { type Journal, readJournal, repeatedLeases } from './journal.ts';
import { type ProcessInfo, processesLeft } from './processes.ts';

const POISON = 'test/fixtures/poison-trainer.mjs';
const POISON_MODES = [
  'huge-epoch',
  'nul-name',
  'many-names',
  'long-line',
  'grandchild',
  'escape', // setsid and detached descendants: the final check finds them by the journal folder they carry
] as const;
const STEADY_TRIALS = 40;
const STEADY_EPOCHS = 40;
const journalDir = mkdtempSync(path.join(tmpdir(), 'chaos-'));
const stack = new Stack();
const proxies: Record<'pg' | 'redis' | 'redisW1', TcpProxy> = {} as never;
const w: Record<'w1' | 'w2' | 'w3' | 'w4', StartedProcess> = {} as never;
const faults: string[] = [];
const sweepIds: Record<'steady' | 'poison', string> = { steady: '', poison: '' };

/** Lets a fault last `ms` (an outage, a frozen worker): the duration is the fault under test, not a wait. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // sleep-ok: how long a fault lasts
const alive = (p: StartedProcess) => p.child.exitCode === null && p.child.signalCode === null;

/**
 * Forty well-behaved trials of forty 500 ms epochs (20 s, longer than a job lock and a frozen worker's watchdog,
 * so the faults stop trials mid-run), in two waves on the workers' slots; attempts enough for every fault.
 */
function steadySweep() {
  return {
    name: 'chaos-steady',
    metric: { name: 'score' },
    trainer: {
      kind: 'command',
      command: ['node', POISON, 'ok', '{trial.id}', journalDir, String(STEADY_EPOCHS), '500'],
    },
    checkpoints: [{ name: 'a', uri: 'file:///a' }],
    space: {
      optimizer: {
        AdamW: {
          lr: Array.from({ length: STEADY_TRIALS }, (_, i) => (i + 1) / 1000),
          weight_decay: [0],
        },
      },
    },
    max_attempts: 10,
  };
}

/** One trial per hostile behaviour: the checkpoint's name is the poison trainer's mode. */
function poisonSweep() {
  return {
    name: 'chaos-poison',
    metric: { name: 'score' },
    trainer: {
      kind: 'command',
      command: ['node', POISON, '{checkpoint.name}', '{trial.id}', journalDir, '3', '300'],
    },
    checkpoints: POISON_MODES.map((mode) => ({ name: mode, uri: `file:///${mode}` })),
    space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
  };
}

/**
 * A steady trial running on `worker` with at least one epoch stored (its trainer is really under way) and at
 * most `maxEpochs` (enough of it left to outlast the fault).
 */
async function trialUnderWayOn(worker: StartedProcess, maxEpochs = STEADY_EPOCHS): Promise<string> {
  return waitFor(
    `a trial under way on ${worker.name}`,
    async () => {
      const running = await stack.db.trial.findMany({
        where: { state: 'running', workerId: worker.name, sweepId: sweepIds.steady },
        select: { id: true, _count: { select: { metrics: true } } },
      });
      return running.find((t) => t._count.metrics >= 1 && t._count.metrics <= maxEpochs)?.id;
    },
    60_000,
    100,
  );
}

async function inject(name: string, fn: () => Promise<string>): Promise<void> {
  const detail = await fn();
  faults.push(`${name}: ${detail}`);
}

async function cutFor(ms: number, ...cut: TcpProxy[]): Promise<void> {
  for (const p of cut) p.cut();
  await sleep(ms); // sleep-ok: the outage's length
  for (const p of cut) p.restore();
}

beforeAll(async () => {
  await stack.start({ workers: 0 });
  const pg = new URL(TEST_DATABASE_URL);
  const redis = new URL(TEST_REDIS_URL);
  proxies.pg = await TcpProxy.start(pg.hostname, Number(pg.port || 5432));
  proxies.redis = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
  proxies.redisW1 = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
  const env = (redisProxy: TcpProxy) => ({
    env: {
      DATABASE_URL: proxies.pg.through(stack.databaseUrl),
      REDIS_URL: redisProxy.through(stack.redisUrl),
    },
  });
  // w4's many slots leave room in the second wave, so a trial whose job lock ran out is taken over at once.
  const slots = { w1: 2, w2: 2, w3: 4, w4: 16 };
  const started = await Promise.all(
    (['w1', 'w2', 'w3', 'w4'] as const).map((n) =>
      stack.startWorker(
        `${n}-${stack.prefix}`,
        slots[n],
        30,
        env(n === 'w1' ? proxies.redisW1 : proxies.redis),
      ),
    ),
  );
  [w.w1, w.w2, w.w3, w.w4] = started as [
    StartedProcess,
    StartedProcess,
    StartedProcess,
    StartedProcess,
  ];
}, 120_000);

afterAll(async () => {
  if (w.w3?.child.pid) process.kill(w.w3.child.pid, 'SIGCONT'); // never leave a stopped process behind
  await stack.stop();
  for (const p of Object.values(proxies)) await p.close();
});

describe('chaos: faults injected into a live sweep', () => {
  let journal: Journal;
  let trials: Array<{
    id: string;
    sweepId: string;
    state: string;
    lease: number;
    attempts: number;
    error: string | null;
    ck: string;
  }>;
  let left: ProcessInfo[] = [];

  it('runs two sweeps to the end through poison trainers, kills, freezes and outages', async () => {
    const poison = await stack.call('POST', '/api/v1/sweeps', poisonSweep());
    const steady = await stack.call('POST', '/api/v1/sweeps', steadySweep());
    expect([poison.status, steady.status], `${poison.text}\n${steady.text}`).toEqual([201, 201]);
    sweepIds.poison = poison.json.id;
    sweepIds.steady = steady.json.id;
    for (const mode of POISON_MODES) faults.push(`poison trainer: ${mode}`);

    await inject('kill -9 of a worker mid-trial', async () => {
      const trial = await trialUnderWayOn(w.w2);
      process.kill(w.w2.child.pid!, 'SIGKILL'); // the worker alone: its trial's supervisor must stop the trial
      return `${w.w2.name} running ${trial}`;
    });
    await inject('SIGSTOP of a worker mid-trial', async () => {
      const trial = await trialUnderWayOn(w.w3, STEADY_EPOCHS - 16);
      process.kill(w.w3.child.pid!, 'SIGSTOP');
      await sleep(12_000); // sleep-ok: frozen past its job lock and its trial's watchdog
      process.kill(w.w3.child.pid!, 'SIGCONT');
      return `${w.w3.name} running ${trial}, stopped 12 s`;
    });
    await inject('PostgreSQL unreachable for every worker', async () => {
      const trial = await trialUnderWayOn(w.w4);
      await cutFor(4_000, proxies.pg);
      return `4 s, ${w.w4.name} running ${trial}`;
    });
    await inject('Redis unreachable for every worker', async () => {
      const trial = await trialUnderWayOn(w.w4);
      await cutFor(4_000, proxies.redis, proxies.redisW1);
      return `4 s, ${w.w4.name} running ${trial}`;
    });

    await inject("Redis cut from one worker's side, past its job locks", async () => {
      const trial = await trialUnderWayOn(w.w1, 4);
      const started = Date.now();
      proxies.redisW1.cut();
      // Until the queue gives the trial to another worker (its job lock ran out), at most 25 s.
      const movedOn = await waitFor(
        'the trial to leave the cut-off worker',
        async () =>
          (await stack.db.trial.findUnique({ where: { id: trial } }))?.workerId !== w.w1.name,
        25_000,
        250,
      ).then(
        () => 'until the trial left it',
        () => 'the trial stayed',
      );
      proxies.redisW1.restore();
      return `${w.w1.name} running ${trial}, ${((Date.now() - started) / 1000).toFixed(0)} s (${movedOn})`;
    });
    for (const id of Object.values(sweepIds))
      await stack.waitForPhase(id, 'finished', 150_000).catch((e) => {
        throw new Error(`${e.message}\n${stack.logs()}`);
      });
    journal = readJournal(path.join(journalDir, 'journal.log'));
    const groups = journal.executions.map((e) => e.pid);
    // A trial's supervisor may still be ending its group for a moment after the result is stored.
    left = await waitFor(
      'no process left',
      async () => {
        const now = processesLeft([...groups, w.w2.child.pid!], [journalDir]);
        return now.length === 0 ? [] : undefined;
      },
      15_000,
    ).catch(() => processesLeft([...groups, w.w2.child.pid!], [journalDir]));
    const rows = await stack.db.trial.findMany({
      where: { sweepId: { in: Object.values(sweepIds) } },
      select: {
        id: true,
        sweepId: true,
        state: true,
        lease: true,
        attempts: true,
        error: true,
        checkpoint: true,
      },
    });
    trials = rows.map((t) => ({ ...t, ck: t.checkpoint.name }));
    expect(trials).toHaveLength(STEADY_TRIALS + POISON_MODES.length);
  });

  it('ends every trial in a final state exactly once', async () => {
    const events = await stack.db.sweepEvent.findMany({
      where: { sweepId: { in: Object.values(sweepIds) }, state: { in: ['succeeded', 'failed'] } },
    });
    expect(events.reduce((n, e) => n + e.n, 0)).toBe(trials.length);
    for (const t of trials) {
      const expected = t.ck === 'many-names' ? 'failed' : 'succeeded';
      expect(t.state, `${t.ck} ${t.id}: ${t.error}`).toBe(expected);
      expect(
        events.filter((e) => e.trialId === t.id),
        t.id,
      ).toHaveLength(1);
    }
    const stats = await stack.db.cellStat.findMany({ where: { sweepId: sweepIds.steady } });
    expect(stats.map((s) => s.n)).toEqual(Array(STEADY_TRIALS).fill(1));
    // Distinct epochs per trial: a re-run trial may keep its earlier attempts' rows too.
    const [row] = await stack.db.$queryRaw<Array<{ epochs: number }>>`
      SELECT count(DISTINCT (m.trial_id, m.epoch))::int AS epochs FROM trial_metrics m
      JOIN trials t ON t.id = m.trial_id WHERE t.sweep_id = ${sweepIds.steady} AND m.name = 'score'`;
    expect(row?.epochs).toBe(STEADY_TRIALS * STEADY_EPOCHS);
  });

  it('no worker died but the one killed', () => {
    expect(w.w2.child.signalCode).toBe('SIGKILL');
    for (const p of [w.w1, w.w3, w.w4]) expect(alive(p), `${p.name}\n${stack.logs()}`).toBe(true);
  });

  it('leaves no process behind: no trainer, supervisor or grandchild, nothing of the killed worker', () => {
    expect(left.map((p) => `${p.pid} (group ${p.pgid}): ${p.cmdline.slice(0, 120)}`)).toEqual([]);
  });

  it('shows no duplicate execution from the trainer itself', () => {
    expect(journal.overlaps).toEqual([]);
    expect(repeatedLeases(journal.executions)).toEqual([]);
    for (const t of trials.filter((x) => x.state === 'succeeded')) {
      const recorded = journal.executions.filter(
        (e) => e.trialId === t.id && e.lease === String(t.lease) && e.exitCode === 0,
      );
      expect(recorded, `${t.ck} ${t.id}`).toHaveLength(1);
    }
  });

  it('prints the figures', () => {
    const final = trials.filter((t) => t.state === 'succeeded' || t.state === 'failed').length;
    const leaseOf = new Map(trials.map((t) => [t.id, String(t.lease)]));
    const stopped = journal.executions.filter((e) => e.exitCode !== 0 && e.mode === 'ok').length;
    const unrecorded = journal.executions.filter(
      (e) => e.exitCode === 0 && leaseOf.get(e.trialId) !== e.lease,
    ).length;
    const duplicates = journal.overlaps.length + repeatedLeases(journal.executions).length;
    const lines = [
      'chaos suite figures',
      `faults injected: ${faults.length}`,
      ...faults.map((f) => `  - ${f}`),
      `trials: ${trials.length} (${trials.filter((t) => t.state === 'succeeded').length} succeeded, ${trials.filter((t) => t.state === 'failed').length} failed as their poison requires)`,
      `trainer executions: ${journal.executions.length} (${stopped} stopped by a fault and run again, ${unrecorded} finished but superseded)`,
      `trials lost: ${trials.length - final}`,
      `duplicates: ${duplicates}`,
      `workers died: ${[w.w1, w.w3, w.w4].filter((p) => !alive(p)).length} (besides the one killed)`,
      `processes left: ${left.length}`,
    ];
    console.log(lines.join('\n'));
    expect(faults.length).toBe(POISON_MODES.length + 5);
  });
});
