import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newSweepId, planSweep } from '@sweeps/core';
import { createSweep } from '@sweeps/db';
import { enqueueTrials, queueDepth } from '@sweeps/queue';
import { reconcileQueue } from './reconcile.ts';
import { freshQueue, hex, testStores } from './testing/stores.ts';

const { db, redis } = testStores();
const study = () =>
  parse(
    readFileSync(new URL('../../core/src/fixtures/r50-study-demo.yaml', import.meta.url), 'utf8'),
  );

describe('reconcile (PostgreSQL -> Redis)', () => {
  it('reconcile rebuilds the queue from PostgreSQL after Redis lost it', async () => {
    const { queue } = freshQueue(redis);
    const { sweepId, trialIds } = await createSweep(
      db,
      newSweepId(hex() + hex()),
      planSweep(study()),
    );
    await enqueueTrials(
      queue,
      trialIds.map((trialId) => ({ trialId, sweepId })),
    );
    await queue.obliterate({ force: true }); // Redis forgets everything
    expect((await queueDepth(queue)).waiting).toBe(0);
    await reconcileQueue(db, queue);
    const waiting = await queue.getWaiting(0, 100000);
    const mine = waiting.filter((j) => j.data.sweepId === sweepId).map((j) => j.id);
    expect(new Set(mine)).toEqual(new Set(trialIds));
    await reconcileQueue(db, queue); // twice changes nothing
    expect(
      (await queue.getWaiting(0, 100000)).filter((j) => j.data.sweepId === sweepId),
    ).toHaveLength(24);
    await queue.obliterate({ force: true });
  });
});
