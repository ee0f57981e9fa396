/**
 * Metrics are kept per lease, through the real API and a real worker: a trial whose first run fails after four
 * epochs (one of them the best value of the sweep) is retried with retry-failed, succeeds after two epochs, and
 * every read (trial view, grid, best-epoch grid, sweep epochs) shows the second lease only, while the first stays
 * readable with `?lease=` (and its deprecated first name `?attempt=`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';

const markers = mkdtempSync(path.join(tmpdir(), 'metrics-per-lease-'));
const stack = new Stack();
beforeAll(async () => {
  await stack.start({ workers: 1 });
}, 120_000);
afterAll(() => stack.stop());

const flakySweep = {
  name: 'flaky',
  metric: { name: 'score' },
  trainer: {
    kind: 'command',
    command: ['node', 'test/fixtures/flaky-trainer.mjs', '{trial.id}', markers],
  },
  checkpoints: [{ name: 'a', uri: 'file:///a' }],
  space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
  fixed: { epochs: 4 },
};

const scores = (t: { epochs: Array<{ epoch: number; score: number }> }) =>
  t.epochs.map((e) => [e.epoch, e.score]);

describe('metrics per lease', () => {
  it('retry-failed: reads show the new lease, the failed one stays readable', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', flakySweep);
    expect(created.status).toBe(201);
    const sweepId = created.json.id as string;
    const failed = await stack.waitForPhase(sweepId, 'finished', 60_000);
    expect(failed).toMatchObject({ counts: { failed: 1 }, epochs_run: 4 });
    const trialId = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials`)).json.trials[0]
      .id as string;
    const trialPath = `/api/v1/sweeps/${sweepId}/trials/${trialId}`;
    const before = (await stack.call('GET', trialPath)).json;
    expect(scores(before)).toEqual([
      [1, 0.1],
      [2, 0.9],
      [3, 0.2],
      [4, 0.2],
    ]);
    const firstLease = before.epochsLease as number;

    expect((await stack.call('POST', `/api/v1/sweeps/${sweepId}/retry-failed`)).json.retried).toBe(
      1,
    );
    await stack.waitForPhase(sweepId, 'finished', 60_000);
    const sweep = (await stack.call('GET', `/api/v1/sweeps/${sweepId}`)).json;
    expect(sweep).toMatchObject({ counts: { succeeded: 1, failed: 0 }, epochs_run: 2 });

    const after = (await stack.call('GET', trialPath)).json;
    expect(after).toMatchObject({ state: 'succeeded', finalMetric: 0.4 });
    expect(scores(after)).toEqual([
      [1, 0.3],
      [2, 0.4],
    ]);
    expect(after.epochsLease).toBeGreaterThan(firstLease);
    expect(
      after.metricLeases.map((l: { lease: number; epochs: number; current: boolean }) => [
        l.lease,
        l.epochs,
        l.current,
      ]),
    ).toEqual([
      [firstLease, 4, false],
      [after.epochsLease, 2, true],
    ]);
    // the deprecated first names are still sent, the same values
    expect(after.epochsAttempt).toBe(after.epochsLease);
    expect(after.metricAttempts).toEqual(
      after.metricLeases.map(({ lease, ...rest }: { lease: number }) => ({
        attempt: lease,
        ...rest,
      })),
    );
    const earlier = (await stack.call('GET', `${trialPath}?lease=${firstLease}`)).json;
    expect(scores(earlier)).toEqual(scores(before));
    expect(earlier.epochsLease).toBe(firstLease);
    // `?attempt=` is the deprecated first name of `?lease=`
    const byOldName = (await stack.call('GET', `${trialPath}?attempt=${firstLease}`)).json;
    expect(scores(byOldName)).toEqual(scores(before));
    expect(byOldName.epochsLease).toBe(firstLease);
    // the CLI shows the leases and, with --lease (or the deprecated --attempt), the failed one's epochs
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['apps/cli/bin/sweeps.mjs', ...args], {
        env: { ...process.env, SWEEPS_API_URL: stack.baseUrl, SWEEPS_API_KEY: stack.readKey },
      });
    const shown = await cli('trial', sweepId, trialId, '--lease', String(firstLease));
    expect(shown.stdout).toContain(`metrics of lease ${firstLease}`);
    expect(shown.stdout).toContain(`${after.epochsLease}: 2 epochs, current`);
    expect(shown.stdout).toMatch(/^4\s.*\s0\.2000$/m); // epoch 4 exists only in the failed lease
    const shownByOldName = await cli('trial', sweepId, trialId, '--attempt', String(firstLease));
    expect(shownByOldName.stdout).toBe(shown.stdout);
    const latest = await cli('trial', sweepId, trialId);
    expect(latest.stdout).toContain(`metrics of lease ${after.epochsLease}`);
    expect(latest.stdout).not.toMatch(/^4\s.*\s0\.2000$/m);
    await expect(cli('trial', sweepId, trialId, '--lease', 'two')).rejects.toMatchObject({
      stderr: expect.stringContaining('--lease must be a positive whole number'),
    });
    const missing = await stack.call('GET', `${trialPath}?lease=${after.epochsLease + 7}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('ATTEMPT_NOT_FOUND');

    // the best epoch is the retry's 0.4, not the failed lease's 0.9; the final grid agrees
    for (const value of ['best_epoch', 'final']) {
      const grid = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/grid?value=${value}`)).json;
      expect(grid.matrices[0].values[0][0]).toMatchObject({ mean: 0.4, n: 1 });
    }
  });
});
