/**
 * A sweep for tests of reads and events over the real PostgreSQL: the confirm fixture's 8 trials without its
 * confirm stage, all queued, and a worker of its own registered to claim them.
 */
import { randomBytes } from 'node:crypto';
import { newSweepId, planSweep } from '@sweeps/core';
import { claimTrial, createSweep, type Db, listTrials, registerWorker } from '@sweeps/db';
import { confirmSweepSpec } from '../fixtures/confirm-sweep.ts';

export async function queuedSweep(db: Db, name: string) {
  const plan = planSweep(confirmSweepSpec({ name, confirm: undefined }));
  const { sweepId } = await createSweep(db, newSweepId(randomBytes(8).toString('hex')), plan);
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 8, devices: [], pid: 1 });
  const { trials } = await listTrials(db, { sweepId, state: 'queued', limit: 100 });
  /** Claims the `i`-th trial for the sweep's worker; its lease. */
  const claim = async (i: number) => {
    const c = await claimTrial(db, trials[i]!.id, workerId);
    if (c?.kind !== 'claimed')
      throw new Error(`trial ${i} of sweep ${sweepId} could not be claimed`);
    return c.lease;
  };
  return { sweepId, claim };
}
