/**
 * The worker's epoch cap on a real stack (issue 19, finding 6): a trainer that reports more epochs than the worker
 * keeps (`SWEEPS_MAX_EPOCHS_PER_TRIAL`, 3 here) ends its own trial with a readable error; the worker lives on and
 * runs the next trial, and the epochs stored before the cap stay readable.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedProcess, Stack } from './support/stack.ts';
import { SYNTHETIC_COMMAND } from './support/synthetic-trainer.ts';

const stack = new Stack();
let worker: StartedProcess;

beforeAll(async () => {
  await stack.start({ workers: 0 });
  worker = await stack.startWorker(`capped-${stack.prefix}`, 1, 30, {
    env: { SWEEPS_MAX_EPOCHS_PER_TRIAL: '3' },
  });
}, 180_000);
afterAll(async () => {
  await stack.stop();
});

describe("the worker's epoch cap", () => {
  it('fails each trial that reports epoch 4 of 6, never the worker, and keeps epochs 1-3', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', {
      name: 'too-many-epochs',
      metric: { name: 'bbox_mAP' },
      trainer: {
        kind: 'command',
        command: SYNTHETIC_COMMAND,
      },
      checkpoints: [{ name: 'base', uri: 'scratch', baseline: true }],
      space: { optimizer: { SGD: { lr: [0.01, 0.02], weight_decay: [0] } } },
      fixed: { epochs: 6 }, // within the API's cap (1,000), above this worker's
      max_attempts: 1,
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    await stack.waitForPhase(id, 'finished', 120_000);
    const trials = (await stack.call('GET', `/api/v1/sweeps/${id}/trials`)).json.trials;
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(t).toMatchObject({ state: 'failed', reason: 'invalid' });
      expect(t.error).toContain(
        'the trainer reported epoch 4: this worker keeps at most 3 epochs per trial (SWEEPS_MAX_EPOCHS_PER_TRIAL)',
      );
      const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
      expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
      expect(detail).toMatchObject({ epochsTruncated: false, epochsNextFrom: null });
    }
    // the CLI pages the curve too
    const shown = await promisify(execFile)(
      process.execPath,
      ['apps/cli/bin/sweeps.mjs', 'trial', id, trials[0].id, '--epochs-from', '2'],
      { env: { ...process.env, SWEEPS_API_URL: stack.baseUrl, SWEEPS_API_KEY: stack.readKey } },
    );
    expect(shown.stdout).toMatch(/^2\s/m);
    expect(shown.stdout).toMatch(/^3\s/m);
    expect(shown.stdout).not.toMatch(/^1\s/m);
    expect(shown.stdout).toContain('keeps at most 3 epochs per trial');
    // both trials ran on the one worker, which is still alive and heartbeating
    expect(worker.child.exitCode).toBeNull();
    const workers = (await stack.call('GET', '/api/v1/workers')).json.workers;
    expect(workers).toEqual([
      expect.objectContaining({ id: `capped-${stack.prefix}`, liveness: 'alive' }),
    ]);
  });
});
