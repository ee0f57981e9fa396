/**
 * The multi-host bed (test/support/netns-bed.ts, hosts.ts): the API and three worker daemons, each on a network
 * host of its own (a Linux network namespace on a veth link), each worker with its own data directory and id,
 * PostgreSQL and Redis reached over the links. A sweep runs across the hosts; a worker host cut off mid-trial
 * loses nothing and never runs a trial beside its new host; a host that dies hands its trial to another; the API
 * restarted mid-sweep costs nothing. The trainer (test/fixtures/host-trainer.mjs) journals every epoch it runs
 * with its host, lease and time, the witness these checks read besides the database.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executionsOf,
  hostsThatRan,
  overlapping,
  readHostJournal,
} from './support/host-journal.ts';
import { HostStack } from './support/hosts.ts';
import { type S3Server, startS3Server } from './support/s3-server.ts';
import { expectFullGridBest } from './support/synthetic-trainer.ts';
import { waitFor } from './support/wait-for.ts';

const journalDir = mkdtempSync(path.join(tmpdir(), 'multi-host-'));
const stack = new HostStack();
let s3: S3Server | undefined;
let leftovers: () => string[] = () => [];

beforeAll(async () => {
  // no shared storage: each worker host keeps its own data directory, and snapshots travel through an
  // S3-compatible server (s3rver) in the root namespace, which the hosts reach over their links
  s3 = await startS3Server();
  const store = s3.env(`${stack.prefix}/`);
  try {
    await stack.start({
      workers: 3,
      prepareHosts: async (bed) => {
        await bed.forward('s3', store.AWS_ENDPOINT_URL_S3!);
        return { ...store, AWS_ENDPOINT_URL_S3: bed.serviceUrl('s3', store.AWS_ENDPOINT_URL_S3!) };
      },
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stack.logs()}`);
  }
  const bed = stack.bed;
  leftovers = () => bed.leftovers();
}, 180_000);
afterAll(async () => {
  await stack.stop();
  await s3?.stop();
  rmSync(journalDir, { recursive: true, force: true });
  // the namespaces, their links and the bridge are gone, whatever happened in the tests
  expect(leftovers()).toEqual([]);
});

/** A grid sweep of the journaling trainer: `lrs.length` trials of `epochs` epochs of `epochMs` each. */
function hostSweep(name: string, lrs: number[], epochs: number, epochMs: number) {
  return {
    name,
    metric: { name: 'bbox_mAP' },
    trainer: {
      kind: 'command',
      command: [
        'node',
        'test/fixtures/host-trainer.mjs',
        '--journal',
        journalDir,
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
        '--epoch-ms',
        String(epochMs),
      ],
    },
    checkpoints: [{ name: 'base', uri: 'none' }],
    space: { optimizer: { SGD: { lr: lrs, weight_decay: [1e-4] } } },
    fixed: { epochs },
  };
}

async function submit(spec: object): Promise<string> {
  const created = await stack.call('POST', '/api/v1/sweeps', spec);
  expect(created.status, created.text).toBe(201);
  return created.json.id as string;
}

async function finished(id: string, timeoutMs = 120_000) {
  return stack.waitForPhase(id, 'finished', timeoutMs).catch((e) => {
    throw new Error(`${e.message}\n${stack.logs()}`);
  });
}

interface TrialRow {
  id: string;
  state: string;
  worker: string | null;
  attempts: number;
}

async function trialsOf(id: string): Promise<TrialRow[]> {
  return (await stack.call('GET', `/api/v1/sweeps/${id}/trials?limit=100`)).json.trials;
}

/** Every trial succeeded with epochs 1..`epochs` stored once each under its final lease. */
async function expectEveryEpochOnce(id: string, epochs: number) {
  const all = Array.from({ length: epochs }, (_, i) => i + 1);
  for (const t of await trialsOf(id)) {
    expect(t.state, t.id).toBe('succeeded');
    const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
    expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(all);
    const { lease } = await stack.db.trial.findUniqueOrThrow({ where: { id: t.id } });
    const rows = await stack.db.trialMetric.findMany({
      where: { trialId: t.id, name: 'bbox_mAP', lease },
      select: { epoch: true },
    });
    expect(rows.map((r) => r.epoch).sort((a, b) => a - b)).toEqual(all);
  }
}

/** The trial of sweep `id` that host `host` is running, once its trainer has finished `epochs` epochs there. */
async function trialRunningOn(id: string, host: string, epochs: number): Promise<string> {
  const ids = new Set((await trialsOf(id)).map((t) => t.id));
  return waitFor(
    `a trial of ${id} to run ${epochs} epochs on ${host}`,
    async () =>
      readHostJournal(journalDir).executions.find(
        (e) => ids.has(e.trial) && e.host === host && !e.closed && e.epochs.length >= epochs,
      )?.trial,
    60_000,
    100,
  );
}

/** The net namespace of process `pid` (`net:[inode]`). */
const netnsOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);

describe('the multi-host bed', () => {
  it('runs a sweep on three worker hosts, each on its own network host and data directory, over the links', async () => {
    const id = await submit(
      hostSweep('hosts-basic', [0.001, 0.002, 0.005, 0.01, 0.02, 0.05], 3, 300),
    );
    const done = await finished(id);
    expect(done.counts).toMatchObject({ succeeded: 6, failed: 0, total: 6 });
    await expectEveryEpochOnce(id, 3);
    const journal = readHostJournal(journalDir);
    // every worker host ran trials, as recorded both by the trainer and by the database
    expect([...hostsThatRan(journal)].sort()).toEqual(['w1', 'w2', 'w3']);
    const workerIds = new Set(stack.workerHosts.map((h) => stack.workerId(h)));
    for (const t of await trialsOf(id)) expect(workerIds.has(t.worker!)).toBe(true);
    // each host's trainer wrote into that host's data directory only
    const dirs = await stack.db.trial.findMany({
      where: { sweepId: id },
      select: { id: true, workerId: true },
    });
    for (const t of dirs) {
      const host = stack.hostOf(t.workerId!)!;
      const snap = execFileSync('ls', [path.join(stack.dataDir(host), 'trials')], {
        encoding: 'utf8',
      });
      expect(snap.split('\n')).toContain(t.id);
    }
    // one network namespace per host, none of them the test's own
    const spaces = [stack.api!, ...stack.onHost.values()].map((p) => netnsOf(p.child.pid!));
    expect(new Set([...spaces, netnsOf(process.pid)]).size).toBe(spaces.length + 1);
    // the services were reached over the links (from the hosts' addresses), and not otherwise: on a host,
    // 127.0.0.1:5432 is that host's own loopback, where nothing listens
    const addresses = [...stack.bed.hosts.values()].map((h) => h.address).sort();
    expect([...stack.bed.forwarders.get('postgres')!.peers].sort()).toEqual(addresses);
    expect([...stack.bed.forwarders.get('redis')!.peers].sort()).toEqual(addresses);
    const probe = (host: string, port: number) => {
      try {
        execFileSync(
          'ip',
          [
            'netns',
            'exec',
            stack.bed.host(host).ns,
            'bash',
            '-c',
            `echo > /dev/tcp/127.0.0.1/${port}`,
          ],
          { stdio: 'ignore' },
        );
        return 'open';
      } catch {
        return 'refused';
      }
    };
    expect([probe('w1', 5432), probe('w1', 6379)]).toEqual(['refused', 'refused']);
  });

  it('a worker host cut off mid-trial: its trial moves on without running twice at once, nothing is lost', async () => {
    // 25 epochs of 400 ms: the 23 left after the cut outlast a job lock (10 s), so the cut host's trial is
    // stopped there mid-run (its worker cannot renew the lock), not finished
    const id = await submit(hostSweep('hosts-cut', [0.001, 0.002, 0.005], 25, 400));
    const trial = await trialRunningOn(id, 'w1', 2);
    stack.bed.cut('w1');
    const moved = await waitFor(
      `trial ${trial} to start on another host`,
      async () => executionsOf(readHostJournal(journalDir), trial).find((e) => e.host !== 'w1'),
      90_000,
      200,
    ).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    stack.bed.restore('w1');
    const done = await finished(id);
    expect(done.counts).toMatchObject({ succeeded: 3, failed: 0, total: 3 });
    await expectEveryEpochOnce(id, 25);
    const journal = readHostJournal(journalDir);
    expect(overlapping(journal, 400)).toEqual([]);
    const runs = executionsOf(journal, trial);
    const onW1 = runs.filter((e) => e.host === 'w1');
    expect(onW1.length).toBeGreaterThan(0);
    // the cut host's execution was stopped (SIGTERM: its job lock could not be renewed) before the trial started
    // elsewhere
    expect(onW1.map((e) => ({ closed: e.closed, ended: e.ended }))).toEqual(
      onW1.map(() => ({ closed: true, ended: false })),
    );
    expect(Math.max(...onW1.map((e) => e.to))).toBeLessThanOrEqual(moved.from);
    const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${trial}`)).json;
    expect(detail.worker).not.toBe(stack.workerId('w1'));
    // the cut host's worker lived through it and is alive again once its link is back
    const w1 = stack.onHost.get('w1')!;
    expect(w1.child.exitCode).toBeNull();
    await waitFor('w1 to be alive again', async () => {
      const workers = (await stack.call('GET', '/api/v1/workers')).json.workers as Array<{
        id: string;
        liveness: string;
      }>;
      return workers.find((w) => w.id === stack.workerId('w1'))?.liveness === 'alive';
    });
  });

  it('a host that dies mid-trial: its trial is handed back and finishes on another host', async () => {
    const id = await submit(hostSweep('hosts-kill', [0.001, 0.002, 0.005], 10, 300));
    const trial = await trialRunningOn(id, 'w2', 1);
    const killed = stack.bed.killAll('w2'); // the worker and its trainer: everything on the host
    expect(killed.length).toBeGreaterThanOrEqual(2);
    // once the trial runs elsewhere the dead worker is lost, its id free: the host comes back meanwhile (a new
    // worker, same id and data directory)
    await waitFor(
      `trial ${trial} to start on another host`,
      async () => executionsOf(readHostJournal(journalDir), trial).some((e) => e.host !== 'w2'),
      60_000,
    );
    const back = stack.startHostWorker('w2');
    const done = await finished(id);
    expect(done.counts).toMatchObject({ succeeded: 3, failed: 0, total: 3 });
    await expectEveryEpochOnce(id, 10);
    const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${trial}`)).json;
    expect(detail.worker).not.toBe(stack.workerId('w2'));
    const journal = readHostJournal(journalDir);
    expect(overlapping(journal, 300)).toEqual([]);
    const last = executionsOf(journal, trial).at(-1)!;
    expect(last.host).not.toBe('w2');
    expect(last.ended).toBe(true);
    await back;
  });

  it('the API restarted mid-sweep: the sweep finishes, every trial once', async () => {
    const id = await submit(
      hostSweep('hosts-api-restart', [0.001, 0.002, 0.005, 0.01, 0.02, 0.05], 4, 300),
    );
    const ids = new Set((await trialsOf(id)).map((t) => t.id));
    await waitFor('an epoch of the sweep to run', async () =>
      readHostJournal(journalDir).executions.some((e) => ids.has(e.trial) && e.epochs.length > 0),
    );
    await stack.restartApi();
    const done = await finished(id);
    expect(done.counts).toMatchObject({ succeeded: 6, failed: 0, total: 6 });
    await expectEveryEpochOnce(id, 4);
    for (const t of await trialsOf(id)) expect(t.attempts, t.id).toBe(1);
    const journal = readHostJournal(journalDir);
    expect(overlapping(journal, 300)).toEqual([]);
  });
  it("an asha sweep with pausing on three hosts without shared storage: every epoch runs once, the best cells are the full grid's", async () => {
    const lrs = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02];
    const wds = [1e-5, 1e-4];
    const base = hostSweep('hosts-asha', lrs, 12, 200);
    const spec = {
      ...base,
      // the trainer snapshots every epoch and resumes from {resume_from}: asha pauses its trials at the rungs
      trainer: {
        ...base.trainer,
        command: [
          ...base.trainer.command,
          '--snapshot-dir',
          '{snapshot_dir}',
          '--resume-from',
          '{resume_from}',
        ],
      },
      checkpoints: [
        { name: 'base', uri: 'none', baseline: true },
        { name: 'tnr', uri: 'none' },
      ],
      space: { optimizer: { SGD: { lr: lrs, weight_decay: wds } } },
      strategy: { kind: 'asha', reduction_factor: 3 },
    };
    const id = await submit(spec);
    const done = await finished(id, 240_000);
    const failed = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=failed&limit=10`))
      .json.trials as Array<{ error: string }>;
    expect(failed.map((t) => t.error)).toEqual([]);
    expect(done.counts).toMatchObject({ paused: 0, failed: 0, queued: 0, running: 0 });
    expect(done.counts.pruned).toBeGreaterThan(0);
    expect(done.counts.succeeded + done.counts.pruned).toBe(24);

    // per checkpoint, the best cell is the one the full grid picks (from the same deterministic curves)
    const best = (await stack.call('GET', `/api/v1/sweeps/${id}/best`)).json;
    expectFullGridBest(best.rows, lrs, wds);

    // the trainer's journal: every trial ran each of its epochs exactly once, across hosts; an execution after a
    // trial's first went on from its snapshot, never from epoch 1; no two executions of a trial at once
    const journal = readHostJournal(journalDir);
    expect(overlapping(journal, 200)).toEqual([]);
    const trials = await trialsOf(id);
    let movedHosts = 0;
    for (const t of trials) {
      const runs = executionsOf(journal, t.id);
      const epochs = runs.flatMap((e) => e.epochs);
      const last = Math.max(...epochs);
      expect(epochs, t.id).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      if (t.state === 'succeeded') expect(last, t.id).toBe(12);
      for (const [i, e] of runs.entries()) {
        if (i === 0) expect(e.first, t.id).toBe(1);
        else {
          expect(e.first, `${t.id} on ${e.host}`).toBeGreaterThan(1);
          if (e.host !== runs[i - 1]!.host) movedHosts++;
        }
      }
      if (t.state === 'succeeded') {
        const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
        expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
      }
    }
    // How many executions went on on another host than the one before is printed, not asserted: with affinity,
    // a paused trial usually goes on where its snapshot is, and a move depends on which slots are free. A move that
    // is certain (a trial handed back resumes on the other host, from the object store) is test/snapshot-store.test.ts's.
    console.log(
      JSON.stringify({
        counts: done.counts,
        epochs_run: done.epochs_run,
        resumed_on_another_host: movedHosts,
      }),
    );
  });
});
