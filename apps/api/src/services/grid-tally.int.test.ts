/**
 * The grid tally over the real PostgreSQL LISTEN/NOTIFY (issue 27): the per-cell counts it keeps from a sweep's
 * events equal the recomputation in SQL (`gridCellCounts`) after each move a trial can make, without reading the
 * sweep's trials again until an event it cannot apply (a cancel of many trials at once).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { GridCellCounts } from '@sweeps/core';
import { cancelSweep, completeTrial, failTrial, gridCellCounts, handBackTrial } from '@sweeps/db';
import { apiTestServices } from '../../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../../test/support/services.ts';
import { queuedSweep } from '../../../../test/support/queued-sweep.ts';
import { waitFor } from '../../../../test/support/wait-for.ts';
import { EventHub } from './event-hub.ts';
import { GridTallies } from './grid-tally.ts';

const services = apiTestServices('tally');
const { db } = services.deps;
const quiet = { warn: () => {} };
afterAll(() => services.close());

/** Counts in one order, each as text: what the two ways must agree on. */
function canonical(rows: GridCellCounts[]): string[] {
  return rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
}

/** A sweep of 8 queued trials and a worker to claim them. */
const sweepWithWorker = () => queuedSweep(db, 'grid-tally');

describe('grid tally', () => {
  it('keeps the counts gridCellCounts computes, move by move, from the events alone', async () => {
    const hub = new EventHub(db, TEST_DATABASE_URL, quiet, 250);
    const tallies = new GridTallies(db);
    hub.follow(tallies);
    try {
      await waitFor('the hub to listen', async () => tallies.isFollowing, 10_000, 20);
      const { sweepId, claim } = await sweepWithWorker();
      /** Waits until the tally (kept from events) shows what SQL computes now. */
      const agrees = async (what: string) => {
        const sql = canonical(await gridCellCounts(db, sweepId));
        await waitFor(
          `the tally to agree with SQL ${what}`,
          async () =>
            JSON.stringify(canonical(await tallies.counts(sweepId))) === JSON.stringify(sql),
          10_000,
          20,
        );
      };
      await agrees('on a new sweep');
      expect(tallies.loads).toBe(1);

      const [a, b, c, d, e] = await Promise.all([0, 1, 2, 3, 4].map(claim));
      await agrees('after five claims');
      await completeTrial(db, a!, { finalMetric: 0.5, metrics: { bbox_mAP: 0.5 } });
      await agrees('after a success');
      // a success whose metric is not finite: the grid does not count it (cell_stats has no row for it)
      await completeTrial(db, b!, { finalMetric: Number.NaN, metrics: {} });
      await agrees('after a success with a NaN metric');
      await failTrial(db, c!, {
        error: 'loss is NaN',
        reason: 'diverged',
        outputTail: '',
        final: true,
      });
      await agrees('after a diverged trial');
      await failTrial(db, d!, { error: 'cuda oom', reason: 'oom', outputTail: '', final: false });
      await agrees('after a failure that queues the trial again');
      await handBackTrial(db, e!);
      await agrees('after a hand-back');
      expect(tallies.loads).toBe(1); // every move so far came from one event each, none read the trials again

      await cancelSweep(db, sweepId); // one statement cancels many trials: the tally reads the sweep again
      await agrees('after a cancel');
      expect(tallies.loads).toBe(2);
    } finally {
      await hub.close();
    }
    expect(tallies.isFollowing).toBe(false);
  });

  it('computes the counts in SQL while no event listener holds LISTEN', async () => {
    const tallies = new GridTallies(db);
    const { sweepId, claim } = await sweepWithWorker();
    await claim(0);
    expect(canonical(await tallies.counts(sweepId))).toEqual(
      canonical(await gridCellCounts(db, sweepId)),
    );
    expect(tallies.loads).toBe(0);
    expect(tallies.kept()).toBe(0);
  });
});
