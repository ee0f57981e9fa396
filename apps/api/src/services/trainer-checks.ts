/**
 * Submission-time checks: the sweep planned against the trainer catalogue (each kind's own schema and checks), and
 * the GPU capacity check: a trial asking for more GPUs than any live worker has is refused here, with the largest
 * worker named, instead of waiting in the queue forever.
 */
import { DomainError, type SweepPlan, type SweepSpec } from '@sweeps/core';
import { listWorkers } from '@sweeps/db';
import { planWithTrainers } from '@sweeps/trainers';
import type { ApiDeps } from './deps.ts';

/** `planSweep` against the trainer catalogue, within the server's limits. */
export function planWithChecks(deps: ApiDeps, input: unknown): SweepPlan {
  return planWithTrainers(input, {
    maxTrials: deps.maxTrials,
    ...(deps.maxEpochsPerTrial ? { maxEpochsPerTrial: deps.maxEpochsPerTrial } : {}),
  });
}

/** Refuses `gpus_per_trial` above the GPU count of every live worker (none live: the worker refuses it). */
export async function checkGpuCapacity(deps: ApiDeps, spec: SweepSpec): Promise<void> {
  const wanted = Number(spec.trainer.gpus_per_trial ?? 1);
  if (!(wanted > 1)) return;
  const workers = (await listWorkers(deps.db, deps.workerLostMs)).filter((w) => !w.stoppedAt);
  if (workers.length === 0) return;
  const gpusOf = (w: (typeof workers)[number]) =>
    (w.devices as Array<{ kind?: string }>).filter((d) => d.kind === 'gpu').length;
  const largest = workers.reduce((a, b) => (gpusOf(b) > gpusOf(a) ? b : a));
  if (wanted <= gpusOf(largest)) return;
  const message = `asks for ${wanted} GPUs per trial, but the largest live worker (${largest.id} on ${largest.host}) has ${gpusOf(largest)}; trials of one sweep run on one node each`;
  throw new DomainError('INVALID_SPEC', `trainer.gpus_per_trial ${message}`, [
    { path: 'trainer.gpus_per_trial', message, value: wanted },
  ]);
}

/** Both: what preview and submit call. */
export async function planChecked(deps: ApiDeps, input: unknown): Promise<SweepPlan> {
  const plan = planWithChecks(deps, input);
  await checkGpuCapacity(deps, plan.spec);
  return plan;
}
