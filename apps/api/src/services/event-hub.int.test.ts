/**
 * The event hub over the real PostgreSQL LISTEN/NOTIFY (issue 27): a running sweep's events reach open streams in
 * one batch per read interval, not one message per event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { apiTestServices } from '../../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../../test/support/services.ts';
import { queuedSweep } from '../../../../test/support/queued-sweep.ts';
import { waitFor } from '../../../../test/support/wait-for.ts';
import { EventHub, type HubMessage } from './event-hub.ts';

const services = apiTestServices('hub');
const { db } = services.deps;
const quiet = { warn: () => {} };
afterAll(() => services.close());

/** Waits until `hub` listens: claims a trial of a sweep of its own at a time until the hub passes one on. */
async function listening(hub: EventHub) {
  const warm = await sweepWithWorker();
  let seen = false;
  const stop = hub.subscribe(
    warm.sweepId,
    () => (seen = true),
    () => {},
  );
  let i = 0;
  await waitFor('the hub to listen', async () => {
    if (i < 8) await warm.claim(i++);
    return seen;
  });
  stop();
}

/** A sweep of 8 queued trials and a worker to claim them. */
const sweepWithWorker = () => queuedSweep(db, 'hub-batches');

describe('event hub', () => {
  it('sends the first event at once and holds the rest of the interval for one batch', async () => {
    // an interval longer than the test: what is held stays held, counted rather than timed
    const hub = new EventHub(db, TEST_DATABASE_URL, quiet, 60 * 60 * 1000);
    try {
      await listening(hub);
      const { sweepId, claim } = await sweepWithWorker();
      const got: HubMessage[] = [];
      hub.subscribe(
        sweepId,
        (m) => got.push(m),
        () => {},
      );
      for (let i = 0; i < 8; i++) await claim(i);
      await waitFor('the 7 later events to reach the hub', async () => hub.waiting(sweepId) === 7);
      expect(got).toHaveLength(1); // one batch so far, the first event's
      expect(hub.batchesSent).toBe(2); // the warm-up sweep's and this one's
      const first = got[0]!;
      expect(first.kind === 'events' && first.events.map((e) => e.state)).toEqual(['running']);
    } finally {
      await hub.close();
    }
  });

  it('passes the held events on as one batch when the interval ends', async () => {
    const hub = new EventHub(db, TEST_DATABASE_URL, quiet, 300);
    try {
      await listening(hub);
      const { sweepId, claim } = await sweepWithWorker();
      const events: string[] = [];
      const batches: number[] = [];
      hub.subscribe(
        sweepId,
        (m) => {
          if (m.kind !== 'events') return;
          batches.push(m.events.length);
          events.push(...m.events.map((e) => e.trialId!));
        },
        () => {},
      );
      await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(claim));
      await waitFor('every claim to be passed on', async () => new Set(events).size === 8);
      // 8 events made together, fewer messages: the first at once, the rest batched
      expect(batches.length).toBeLessThan(8);
    } finally {
      await hub.close();
    }
  });
});
