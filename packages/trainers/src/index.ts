/**
 * The trainer catalogue: every trainer kind, listed once. Each entry is its package's descriptor (kind, section
 * schema, checks at submission, whether its trials resume, how a worker loads it), read from the package's light
 * `/spec` entry, so importing the catalogue loads no trainer runtime (no TensorFlow.js, no process runner); a
 * worker's `load()` brings a kind's runtime in when a trial of the kind first runs.
 *
 * Core stays free of trainers: `planSweep` and `sweepSpecSchema` take this list as an argument, and the union of
 * the kinds' schemas is built from it there. The API plans and checks sweeps with it; the worker runs trials
 * with it. Adding a kind: its package exports a `TrainerDescriptor` from `/spec`, and it is added to this list.
 */
import {
  planSweep,
  type PlanLimits,
  type SweepPlan,
  type TrainerDescriptor,
  type TrainerSection,
  type WorkerPolicy,
} from '@sweeps/core';
import { commandTrainer } from '@sweeps/trainer-command/spec';
import { mmdetTrainer } from '@sweeps/trainer-mmdet/spec';
import { tfjsTrainer } from '@sweeps/trainer-tfjs/spec';
import { noopTrainer } from './noop.ts';

export const TRAINERS: readonly TrainerDescriptor[] = [
  commandTrainer,
  tfjsTrainer,
  mmdetTrainer,
  noopTrainer,
];

/** The descriptor of `kind`, or undefined when the catalogue has no such kind. */
export function trainerOf(kind: string): TrainerDescriptor | undefined {
  return TRAINERS.find((t) => t.kind === kind);
}

/** {@link planSweep} against the catalogue: the `trainer` section must be one of its kinds and pass its checks. */
export function planWithTrainers(input: unknown, limits: Partial<PlanLimits> = {}): SweepPlan {
  return planSweep(input, limits, TRAINERS);
}

/**
 * Whether a worker with `policy` would run a sweep's trainer section: the reason it would refuse, or null. Parts
 * that depend on the trial (an executable or directory made of placeholders) are left to the worker.
 */
export function refuseTrainer(policy: WorkerPolicy, trainer: TrainerSection): string | null {
  return trainerOf(trainer.kind)?.refusal?.(policy, trainer) ?? null;
}

export { NoopTrainerSchema } from './noop.ts';
