/**
 * End to end: snapshots follow the trial across hosts without shared storage. Two workers with different
 * SWEEPS_DATA_DIR share only an S3-compatible object store (s3rver, a real server in its own process). A trial
 * handed back by one worker is resumed by the other from its snapshot: every epoch runs exactly once across the
 * two hosts (the trainer's per-epoch output logs of both hosts say so). A snapshot corrupted in the store is
 * refused by its checksum, with the reason on the trial's log, and the trial resumes from the previous good one. An
 * asha sweep with pausing that moves to the other host midway runs no epoch of any trial twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './support/s3-server.ts';
import { REPO_ROOT, Stack, type StartedProcess } from './support/stack.ts';
import { SYNTHETIC_COMMAND } from './support/synthetic-trainer.ts';
import { waitFor } from './support/wait-for.ts';

const stack = new Stack();
let s3: S3Server;
const dataDir = (host: string) => `${REPO_ROOT}.data/${stack.prefix}/${host}`;

beforeAll(async () => {
  s3 = await startS3Server();
  await stack.start({ workers: 0 });
}, 120_000);
afterAll(async () => {
  await stack.stop();
  await s3?.stop();
});

/** A worker on its own "host": its own data directory, the shared object store, a 1 s grace period. */
function startHost(host: string): Promise<StartedProcess> {
  return stack.startWorker(`${host}-${stack.prefix}`, 1, 1, {
    env: { SWEEPS_DATA_DIR: dataDir(host), ...s3.env(`${stack.prefix}/`) },
  });
}

async function stopHost(w: StartedProcess): Promise<void> {
  process.kill(w.child.pid!, 'SIGTERM');
  await waitFor('the worker to exit', async () => w.child.exitCode !== null, 30_000);
}

/** One trial of the synthetic trainer, 12 epochs, snapshotting each and resuming from `{resume_from}`. */
function oneTrialSweep(name: string, epochMs = 600) {
  return {
    name,
    metric: { name: 'bbox_mAP' },
    trainer: {
      kind: 'command',
      command: [
        ...SYNTHETIC_COMMAND,
        '--epoch-ms',
        String(epochMs),
        '--snapshot-dir',
        '{snapshot_dir}',
        '--resume-from',
        '{resume_from}',
      ],
    },
    checkpoints: [{ name: 'base', uri: 'none', baseline: true }],
    space: { optimizer: { SGD: { lr: [0.01], weight_decay: [1e-4] } } },
    fixed: { epochs: 12 },
  };
}

async function submit(name: string): Promise<{ sweepId: string; trialId: string }> {
  const created = await stack.call('POST', '/api/v1/sweeps', oneTrialSweep(name));
  expect(created.status, created.text).toBe(201);
  const sweepId = created.json.id as string;
  const trials = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials`)).json.trials;
  return { sweepId, trialId: trials[0].id as string };
}

/** Waits until the trial has stored `n` epochs and the store holds a snapshot of epoch `n - 1` or later. */
async function runUntil(sweepId: string, trialId: string, n: number) {
  await waitFor(
    `trial ${trialId} to store ${n} epochs and upload a snapshot`,
    async () => {
      const t = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trialId}`)).json;
      if ((t?.epochs?.length ?? 0) < n) return false;
      const keys = await storeKeys(trialId);
      return keys.some((k) => k.endsWith('manifest.json'));
    },
    60_000,
    100,
  );
}

async function storeKeys(trialId: string): Promise<string[]> {
  const out = await s3.client.send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${stack.prefix}/trials/${trialId}/` }),
  );
  return (out.Contents ?? []).map((o) => o.Key!);
}

/** The epochs the trainer printed on a host (its per-epoch JSON lines in the trial's output log), in order. */
function epochsRunOn(host: string, trialId: string): number[] {
  let text = '';
  try {
    text = readFileSync(path.join(dataDir(host), 'trials', trialId, 'logs', 'output.log'), 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\{"epoch":(\d+),/gm)].map((m) => Number(m[1]));
}

async function trialLog(sweepId: string, trialId: string): Promise<string[]> {
  return (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trialId}/log?tail=200`)).json
    .lines;
}

const oneToTwelve = Array.from({ length: 12 }, (_, i) => i + 1);

describe('snapshots across hosts through an object store', () => {
  it('a trial handed back on one host resumes on another from its snapshot: every epoch runs once', async () => {
    const a = await startHost('host-a');
    const { sweepId, trialId } = await submit('handed-back');
    await runUntil(sweepId, trialId, 4);
    await stopHost(a); // hands the trial back, after uploading its newest snapshot
    expect(a.output.join('\n')).toMatch(/handed back to the queue/);
    const b = await startHost('host-b');
    const done = await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts.succeeded).toBe(1);
    const onA = epochsRunOn('host-a', trialId);
    const onB = epochsRunOn('host-b', trialId);
    expect(onA.length).toBeGreaterThanOrEqual(4);
    expect(onB[0]).toBe(onA.at(-1)! + 1); // B went on where A stopped
    expect([...onA, ...onB]).toEqual(oneToTwelve); // each epoch once, across the two hosts
    const log = await trialLog(sweepId, trialId);
    expect(log).toContainEqual(
      `snapshot store: fetched the snapshot of epoch ${onA.at(-1)} (1 file(s), checksums match); resuming from it`,
    );
    expect(
      log.some((l) => l.startsWith('resumed from') && l.endsWith(`after epoch ${onA.at(-1)}`)),
    ).toBe(true);
    const detail = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trialId}`)).json;
    expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(oneToTwelve);
    // a finished trial's snapshots are removed from the store
    await waitFor(
      'the store to drop the trial',
      async () => (await storeKeys(trialId)).length === 0,
    );
    await stopHost(b);
  });

  it('a snapshot corrupted in the store is refused by its checksum; the trial resumes from the previous good one', async () => {
    const a = await startHost('host-c');
    const { sweepId, trialId } = await submit('corrupted');
    await runUntil(sweepId, trialId, 5);
    await stopHost(a);
    const keys = await storeKeys(trialId);
    const epochs = keys
      .filter((k) => k.endsWith('/manifest.json'))
      .map((k) => Number(/epoch-(\d+)\//.exec(k)![1]))
      .sort((x, y) => y - x);
    expect(epochs.length).toBe(2); // retention keeps the two newest
    const [newest, previous] = epochs as [number, number];
    const file = keys.find((k) => k.includes(`epoch-${String(newest).padStart(6, '0')}/files/`))!;
    // damaged behind the workers' backs, through the S3 API
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: file, Body: '{"epoch": 1, "damaged": true}' }),
    );
    await startHost('host-d');
    const done = await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 1, failed: 0 });
    const log = await trialLog(sweepId, trialId);
    expect(log).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^snapshot store: the snapshot of epoch ${newest} was refused: epoch_\\d+\\.json (has \\d+ bytes, the manifest says \\d+|fails its checksum)`,
        ),
      ),
    );
    expect(log).toContainEqual(
      `snapshot store: fetched the snapshot of epoch ${previous} (1 file(s), checksums match); resuming from it`,
    );
    // the new host ran on from the previous good snapshot (a command trainer's snapshot is labelled with the
    // epoch last reported when it was uploaded; the trainer may have written the next one by then), and the
    // trial's curve is whole
    const resumed = log.find((l) => l.startsWith('resumed from'));
    const after = Number(/after epoch (\d+)$/.exec(resumed ?? '')?.[1]);
    expect(after).toBeGreaterThanOrEqual(previous);
    // nothing of the refused snapshot reached the new host's trial directory
    const dirD = path.join(dataDir('host-d'), 'trials', trialId);
    for (const name of readdirSync(dirD).filter((n) => n.endsWith('.json')))
      expect(readFileSync(path.join(dirD, name), 'utf8')).not.toContain('damaged');
    expect(epochsRunOn('host-d', trialId)).toEqual(oneToTwelve.slice(after));
    const detail = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trialId}`)).json;
    expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(oneToTwelve);
  });

  it('an asha sweep with pausing moves to another host midway: no epoch of any trial runs twice, no trial fails', async () => {
    const e = await startHost('host-e');
    const sweep = oneTrialSweep('asha-across-hosts');
    const created = await stack.call('POST', '/api/v1/sweeps', {
      ...sweep,
      trainer: {
        ...sweep.trainer,
        command: sweep.trainer.command.map((a) => (a === '600' ? '1000' : a)),
      },
      space: {
        optimizer: { SGD: { lr: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02], weight_decay: [1e-4] } },
      },
      strategy: { kind: 'asha', reduction_factor: 3 },
    });
    expect(created.status, created.text).toBe(201);
    const sweepId = created.json.id as string;
    // stopped once a trial waits at its rung and another is part way: the running one is handed back, and the
    // paused one, if its rung promotes it, resumes on the other host
    await waitFor(
      'a trial paused at its rung and another running with an epoch stored, on the first host',
      async () => {
        if ((await stack.call('GET', `/api/v1/sweeps/${sweepId}`)).json.counts.paused === 0)
          return false;
        const running = (
          await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials?state=running&limit=10`)
        ).json.trials as Array<{ id: string }>;
        for (const t of running) {
          const d = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${t.id}`)).json;
          if (d.epochs.length === 1) return true;
        }
        return false;
      },
      90_000,
      50,
    );
    await stopHost(e); // the paused trials' snapshots are in the store; a running one is handed back
    await startHost('host-f');
    const done = await stack.waitForPhase(sweepId, 'finished', 180_000).catch((err) => {
      throw new Error(`${err.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ failed: 0, paused: 0, queued: 0, running: 0 });
    expect(done.counts.succeeded + done.counts.pruned).toBe(6);
    const trials = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials?limit=100`)).json
      .trials as Array<{ id: string; state: string }>;
    let moved = 0;
    for (const t of trials) {
      const onE = epochsRunOn('host-e', t.id);
      const onF = epochsRunOn('host-f', t.id);
      const all = [...onE, ...onF];
      expect(new Set(all).size, `trial ${t.id} ran an epoch twice: ${all}`).toBe(all.length);
      if (onE.length > 0 && onF.length > 0) {
        moved++;
        expect(onF[0], `trial ${t.id}`).toBeGreaterThan(1); // resumed, not started again
      }
      if (t.state === 'succeeded') {
        const detail = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${t.id}`)).json;
        expect(detail.epochs.map((x: { epoch: number }) => x.epoch)).toEqual(oneToTwelve);
      }
    }
    expect(moved).toBeGreaterThan(0); // the trial handed back at least
    console.log(JSON.stringify({ asha: done.counts, movedAcrossHosts: moved }));
  });
});
