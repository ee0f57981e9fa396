/**
 * Routing by capability: whether a worker can run a trial, judged before it spends anything on it. A worker's
 * **capability** is its published policy and its slot count; a trial's needs are its trainer section as the trial
 * runs it (every placeholder the trial has a value for substituted: its grid cell, seed, checkpoint, ids, fixed
 * values) and the GPUs it asks for. Placeholders only a worker knows (`{snapshot_dir}`, `{resume_from}`) stay as
 * written, and the kinds' refusal rules treat them as unknown. Pure: the kinds' rules are passed in.
 */
import type { ParamValue } from './grid.ts';
import { DEPRECATED_SNAPSHOT_PLACEHOLDER } from './placeholders.ts';
import type { TrainerSection, TrialRun } from './trainer.ts';
import type { WorkerPolicy } from './worker-policy.ts';

/** What a worker can run: its policy (null: it published none, so it may accept anything) and its slots. */
export interface WorkerCapability {
  policy: WorkerPolicy | null;
  slots: number;
}

/** A trainer kind's refusal rule (`refuseTrainer` of the trainer catalogue). */
export type SectionRefusal = (policy: WorkerPolicy, section: TrainerSection) => string | null;

/** Placeholders whose value depends on the worker that runs the trial, not on the trial. */
export const WORKER_PLACEHOLDERS: readonly string[] = [
  'snapshot_dir',
  'resume_from',
  DEPRECATED_SNAPSHOT_PLACEHOLDER,
];

/** Every placeholder value a trial has wherever it runs (the worker adds {@link WORKER_PLACEHOLDERS}). */
export function trialPlaceholderValues(trial: TrialRun): Record<string, ParamValue | string> {
  const fixed = Object.fromEntries(
    Object.entries(trial.fixed).filter((e): e is [string, ParamValue | string] =>
      ['number', 'string', 'boolean'].includes(typeof e[1]),
    ),
  );
  return {
    ...fixed,
    ...(trial.params as Record<string, ParamValue>),
    optimizer: trial.optimizer,
    seed: trial.seed,
    'trial.id': trial.trialId,
    'sweep.id': trial.sweepId,
    'checkpoint.name': trial.checkpoint.name,
    'checkpoint.uri': trial.checkpoint.uri,
    'checkpoint.prefix': trial.checkpoint.prefix ?? '',
    'checkpoint.format': trial.checkpoint.format ?? '',
  };
}

const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** `template` with the placeholders `values` has substituted; others (and `{{`, `}}`) stay as written. */
function substituteKnown(template: string, values: Record<string, ParamValue | string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    const v = name === undefined ? undefined : values[name];
    return v === undefined ? whole : String(v);
  });
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

/** The trainer section as `trial` runs it: the trial's placeholders substituted in every string value. */
export function sectionForTrial(trial: TrialRun): TrainerSection {
  const values = trialPlaceholderValues(trial);
  return mapStrings(trial.trainer, (s) => substituteKnown(s, values)) as TrainerSection;
}

/**
 * Whether the section names a placeholder a trial has a value for (then workers may judge its trials differently
 * one by one); false: one verdict per sweep and worker holds for all its trials.
 */
export function dependsOnTrial(section: TrainerSection): boolean {
  const found = JSON.stringify(section).matchAll(PLACEHOLDER);
  for (const m of found) if (m[1] && !WORKER_PLACEHOLDERS.includes(m[1])) return true;
  return false;
}

/** How many slots (GPUs) of one worker a trial of the section takes: `gpus_per_trial`, else 1. */
export function slotsWanted(section: Record<string, unknown>): number {
  const n = Number(section.gpus_per_trial ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Why a worker of `capability` would refuse a trial whose section (as the trial runs it) is `section`, or null. */
export function refuseOnWorker(
  capability: WorkerCapability,
  section: TrainerSection,
  refusal: SectionRefusal,
): string | null {
  const wanted = slotsWanted(section);
  if (wanted > capability.slots)
    return `the trial needs ${wanted} GPUs of one worker; this worker has ${capability.slots} slot(s)`;
  return capability.policy ? refusal(capability.policy, section) : null;
}

/** Whether any of `others` would run a trial of `section` (a worker without a published policy might). */
export function someAccepts(
  others: readonly WorkerCapability[],
  section: TrainerSection,
  refusal: SectionRefusal,
): boolean {
  return others.some((w) => refuseOnWorker(w, section, refusal) === null);
}

/**
 * How long a refused trial's job waits before any worker may take it again: short, growing with the times this
 * worker refused it (so a trial only few workers accept is not taken over and over by the rest), with jitter
 * (`random` in [0, 1)) so refusing workers do not take it back in step. In milliseconds.
 */
export function routeAwayDelayMs(timesRefused: number, random: number): number {
  const base = Math.min(250 * 2 ** Math.max(0, timesRefused - 1), 4_000);
  return Math.round(base * (0.75 + random / 2));
}

/** A live worker as routing sees it: its capability, and the slots it had free at its last heartbeat. */
export interface LiveWorker extends WorkerCapability {
  id: string;
  /** null: it published none (an older worker). */
  freeSlots: number | null;
}

/**
 * Affinity: whether a worker that is not the one holding a resumed trial's newest snapshot should leave the trial
 * to that worker: it is live, accepts the trial, had a slot free at its last heartbeat, and the trial has waited
 * less than `waitMs` for it (then any worker takes it).
 */
export function leaveToSnapshotHolder(opts: {
  holder: LiveWorker | undefined;
  section: TrainerSection;
  refusal: SectionRefusal;
  waitedMs: number;
  waitMs: number;
}): boolean {
  const { holder } = opts;
  if (!holder || opts.waitedMs >= opts.waitMs) return false;
  if ((holder.freeSlots ?? 0) < slotsWanted(opts.section)) return false;
  return refuseOnWorker(holder, opts.section, opts.refusal) === null;
}
