/**
 * Before a sweep is created (and in its preview): would any live worker run its trainer? Workers publish their
 * policy when they register; a sweep whose command no live worker allows would wait forever, or fail on each
 * worker with "refused by this worker's policy", so the API says so up front. A warning, not a refusal: workers
 * with another policy may start later.
 */
import { type SweepSpec, WorkerPolicySchema } from '@sweeps/core';
import { liveWorkerPolicies } from '@sweeps/db';
import { refuseTrainer } from '@sweeps/trainers';
import type { ApiDeps } from './deps.ts';

export async function workerWarnings(deps: ApiDeps, spec: SweepSpec): Promise<string[]> {
  const live = await liveWorkerPolicies(deps.db, deps.workerLostMs);
  if (live.length === 0)
    return ['no worker is running now: the trials wait in the queue until one starts'];
  const refusals: string[] = [];
  for (const w of live) {
    const policy = WorkerPolicySchema.safeParse(w.policy);
    if (!policy.success) return []; // a worker that published no policy may accept it
    const reason = refuseTrainer(policy.data, spec.trainer);
    if (reason === null) return [];
    refusals.push(`${w.id}: ${reason}`);
  }
  const shown = refusals.slice(0, 3).join('; ');
  const more = refusals.length > 3 ? `; and ${refusals.length - 3} more` : '';
  return [`no live worker would run this trainer (${shown}${more})`];
}
