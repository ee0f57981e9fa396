/** asha's rungs and the confirm stage across the two stores: PostgreSQL decides, the jobs follow. */
import { describe, expect, it } from 'vitest';
import { planSweep, trialFollowUpsOf } from '@sweeps/core';
import { completeTrial, listTrials } from '@sweeps/db';
import { createRedis, enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';
import { confirmSweepSpec } from '../../../test/fixtures/confirm-sweep.ts';
import { TEST_REDIS_URL } from '../../../test/support/services.ts';
import { decideRung, requeuePromoted, resumeSettledRungs } from './promoted-trials.ts';
import {
  claimedSweep,
  failForGood,
  freshQueue,
  noopSweepSpec,
  testStores,
} from './testing/stores.ts';
import { followUpFinishedTrial } from './trial-follow-up.ts';

const { db, redis } = testStores();

/** A trial queue of its own, and the lines logged. */
function queueAndLog() {
  const { queue } = freshQueue(redis);
  const lines: string[] = [];
  return { stores: { db, queue }, queue, lines, log: (line: string) => lines.push(line) };
}

/** The ids of the waiting jobs, in the order workers take them. */
const waiting = async (queue: Queue<TrialJob>) =>
  (await queue.getWaiting(0, 10_000)).map((j) => j.id);

/** asha's promotion form, all claimed: one trial per lr on one checkpoint, rung at epoch 1 of 3, factor 3. */
const pausingSweep = () =>
  claimedSweep(
    db,
    noopSweepSpec('orchestrate-asha', {
      lrs: [0.1, 0.2, 0.3],
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    }),
  );

describe("asha's promoted trials", () => {
  it('a rung decision that promotes a paused trial puts its job at the head of the queue', async () => {
    const { stores, queue, lines, log } = queueAndLog();
    const { sweepId, workerId, leases } = await pausingSweep();
    const rung = (i: number, value: number) =>
      decideRung(
        stores,
        { trialId: leases[i]!.trialId, workerId, epoch: 1, value, pause: true },
        log,
      );
    await enqueueTrials(queue, [{ trialId: 'tr_0ther', sweepId }]); // a trial not started yet
    expect(await rung(0, 0.3)).toMatchObject({ outcome: 'paused', requeued: [] });
    expect(await rung(1, 0.5)).toMatchObject({ outcome: 'paused', requeued: [] });
    expect(await waiting(queue)).toEqual(['tr_0ther']);
    // the third value completes the rung: its one place goes to trial 1, which resumes before new trials
    const third = await rung(2, 0.4);
    expect(third).toMatchObject({ outcome: 'pruned' });
    expect(third!.requeued).toEqual([{ trialId: leases[1]!.trialId, sweepId }]);
    expect(await waiting(queue)).toEqual([leases[1]!.trialId, 'tr_0ther']);
    expect(lines).toEqual([`asha: ${leases[1]!.trialId} promoted at a rung, resuming`]);
    await queue.obliterate({ force: true });
  });

  it('a trial that fails for good before its rung completes it, and the promoted trial is enqueued', async () => {
    const { stores, queue, lines, log } = queueAndLog();
    const { workerId, leases } = await pausingSweep();
    for (const [i, value] of [0.5, 0.4].entries()) {
      const trialId = leases[i]!.trialId;
      await decideRung(stores, { trialId, workerId, epoch: 1, value, pause: true }, log);
    }
    await failForGood(db, leases[2]!);
    await resumeSettledRungs(stores, leases[2]!.trialId, log);
    expect(await waiting(queue)).toEqual([leases[0]!.trialId]);
    await resumeSettledRungs(stores, leases[2]!.trialId, log); // settled already: nothing more
    await resumeSettledRungs(stores, 'tr_n0ne', log); // no such trial: nothing
    expect(await waiting(queue)).toEqual([leases[0]!.trialId]);
    expect(lines).toEqual([`asha: ${leases[0]!.trialId} promoted at a rung, resuming`]);
    await queue.obliterate({ force: true });
  });

  it('promoted trials Redis did not take are left to reconcile, with a line in the log', async () => {
    const gone = createRedis(TEST_REDIS_URL, { failFast: true });
    const { queue } = freshQueue(gone);
    await queue.waitUntilReady();
    gone.disconnect(); // Redis is away now
    const lines: string[] = [];
    await requeuePromoted(queue, [{ trialId: 'tr_00aa', sweepId: 'sw_00bb' }], (l) =>
      lines.push(l),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^asha: promoted trials left to reconcile: .*Connection is closed/);
  });
});

describe('the confirm stage after a trial', () => {
  it("adds and enqueues a checkpoint's confirm trials once its own-seed trials finished, once", async () => {
    const { stores, queue, lines, log } = queueAndLog();
    const { sweepId, leases } = await claimedSweep(db, confirmSweepSpec());
    const onA = async () => (await listTrials(db, { sweepId, checkpoint: 'a', limit: 100 })).trials;
    const ids = (await onA()).map((t) => t.id);
    const mine = leases.filter((l) => ids.includes(l.trialId));
    for (const [i, lease] of mine.entries()) {
      await completeTrial(db, lease, { finalMetric: i / 10, metrics: { bbox_mAP: i / 10 } });
      await followUpFinishedTrial(stores, lease.trialId, log);
    }
    const added = (await onA()).filter((t) => t.seed !== 0);
    expect(added.map((t) => t.seed).sort()).toEqual([7, 7, 8, 8]);
    expect((await waiting(queue)).sort()).toEqual(added.map((t) => t.id).sort());
    expect(lines).toEqual([`confirm stage: 4 trial(s) added after trial ${mine.at(-1)!.trialId}`]);
    await followUpFinishedTrial(stores, mine[0]!.trialId, log); // asked again: nothing added
    expect(lines).toHaveLength(1);
    await queue.obliterate({ force: true });
  });

  it('skips the steps the sweep cannot need, as its claims say, without reading', async () => {
    const { stores, queue, lines, log } = queueAndLog();
    const { sweepId, leases } = await claimedSweep(db, confirmSweepSpec());
    const onA = async () => (await listTrials(db, { sweepId, checkpoint: 'a', limit: 100 })).trials;
    const ids = (await onA()).map((t) => t.id);
    const mine = leases.filter((l) => ids.includes(l.trialId));
    for (const [i, lease] of mine.entries())
      await completeTrial(db, lease, { finalMetric: i / 10, metrics: { bbox_mAP: i / 10 } });
    const last = mine.at(-1)!.trialId;
    // told the sweep has no confirm stage: the step is skipped, so nothing is added
    const none = { settleRungs: false, confirm: false };
    await followUpFinishedTrial(stores, last, log, { sweepId, followUps: none });
    expect((await onA()).filter((t) => t.seed !== 0)).toEqual([]);
    // what its claims say of this sweep (a confirm stage, no pausing): the confirm trials are added
    const followUps = trialFollowUpsOf(planSweep(confirmSweepSpec()).spec);
    expect(followUps).toEqual({ settleRungs: false, confirm: true });
    await followUpFinishedTrial(stores, last, log, { sweepId, followUps });
    expect((await onA()).filter((t) => t.seed !== 0)).toHaveLength(4);
    expect(lines).toEqual([`confirm stage: 4 trial(s) added after trial ${last}`]);
    await queue.obliterate({ force: true });
  });
});
