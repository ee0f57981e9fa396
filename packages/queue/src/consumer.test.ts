import { DelayedError, type Job } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLAIM_RETRY_MS, claimOrPostpone } from './consumer.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A job that records where it was moved to (the one call `claimOrPostpone` makes on it). */
function fakeJob() {
  const moves: Array<{ until: number; token: string }> = [];
  const job = {
    moveToDelayed: async (until: number, token: string) => void moves.push({ until, token }),
  } as unknown as Job;
  return { job, moves };
}

describe('claimOrPostpone', () => {
  it("returns the claim's value and leaves the job where it is", async () => {
    const { job, moves } = fakeJob();
    expect(await claimOrPostpone(job, 'tok', async () => 'claimed')).toBe('claimed');
    expect(moves).toEqual([]);
  });

  it('waits out the retry time in the slot, then delays the job by about as long again, uncounted', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { job, moves } = fakeJob();
    const claimedAt = Date.now();
    const postponed = claimOrPostpone(job, 'tok', async () => {
      throw new Error("\nInvalid `prisma.trial.update()` invocation:\nCan't reach database server");
    }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(CLAIM_RETRY_MS - 1);
    expect(moves).toEqual([]); // no busy loop: the slot waits before the job goes back
    await vi.advanceTimersByTimeAsync(1);
    const err = await postponed;
    // DelayedError tells BullMQ the job was moved, so no attempt is counted and no backoff grows
    expect(err).toBeInstanceOf(DelayedError);
    expect((err as Error).message).toBe("claim postponed: Can't reach database server");
    const movedAt = claimedAt + CLAIM_RETRY_MS;
    expect(moves).toEqual([
      { until: movedAt + CLAIM_RETRY_MS / 2 + 0.5 * CLAIM_RETRY_MS, token: 'tok' },
    ]);
  });

  it('throws the claim error itself when the job has no lock token to move it with', async () => {
    const { job, moves } = fakeJob();
    const err = new Error("Can't reach database server");
    await expect(claimOrPostpone(job, undefined, () => Promise.reject(err))).rejects.toBe(err);
    expect(moves).toEqual([]);
  });
});
