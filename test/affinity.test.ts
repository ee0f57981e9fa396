/**
 * Affinity (issue 22): two workers, each with a data directory of its own (no shared storage); a trial whose first
 * attempt fails after storing epochs is retried on the worker that ran it (its trial directory holds the newest
 * snapshot), since that worker is live with a free slot: the other worker, if it takes the retry first, hands it
 * back without counting an attempt.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, Stack } from './support/stack.ts';

const markers = mkdtempSync(path.join(tmpdir(), 'affinity-'));
const stack = new Stack();
const ids = ['a', 'b'].map((w) => `aff-${w}-${stack.prefix}`);

beforeAll(async () => {
  await stack.start({ workers: 0 });
  for (const id of ids)
    await stack.startWorker(id, 1, 30, {
      env: {
        SWEEPS_DATA_DIR: `${REPO_ROOT}.data/${stack.prefix}/${id}`,
        SWEEPS_HEARTBEAT_MS: '200',
        SWEEPS_AFFINITY_WAIT_MS: '20000',
      },
    });
}, 180_000);
afterAll(() => stack.stop());

/** The worker whose log says it ran `trialId`'s attempt `n`. */
function ranAttempt(trialId: string, n: number): string[] {
  return stack.workers
    .filter((w) =>
      w.output.some((l) => l.includes(`trial ${trialId} (`) && l.endsWith(`attempt ${n}`)),
    )
    .map((w) => w.name);
}

describe('affinity', () => {
  it('retries a trial on the worker that holds its newest snapshot', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await stack.call('POST', '/api/v1/sweeps', {
        name: `affinity-${i}`,
        metric: { name: 'score' },
        trainer: {
          kind: 'command',
          command: ['node', 'test/fixtures/crash-once-trainer.mjs', '{trial.id}', markers],
        },
        checkpoints: [{ name: 'a', uri: 'file:///a' }],
        space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
      });
      expect(created.status, created.text).toBe(201);
      const sweepId = created.json.id as string;
      await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
        throw new Error(`${e.message}\n${stack.logs()}`);
      });
      const [t] = await stack.db.trial.findMany({ where: { sweepId } });
      expect(t).toMatchObject({ state: 'succeeded', attempts: 2 });
      const first = ranAttempt(t!.id, 1);
      expect(first, stack.logs()).toHaveLength(1);
      expect(ranAttempt(t!.id, 2), stack.logs()).toEqual(first);
      expect(t!.workerId).toBe(first[0]);
    }
  }, 400_000);
});
