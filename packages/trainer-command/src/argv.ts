/** Builds a trial's argv and environment from the command template: one template entry, one argv entry. */
import {
  DEPRECATED_SNAPSHOT_PLACEHOLDER,
  substitute,
  type ParamValue,
  type TrialRun,
} from '@sweeps/core';

/** Every placeholder value a trial has (see GLOBAL_PLACEHOLDERS in core). */
export function placeholderValues(
  trial: TrialRun,
  trialDir: string,
  resumeFrom?: string,
): Record<string, ParamValue | string> {
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
    // the trial directory, named in sweep files for what the command writes there: its snapshots
    snapshot_dir: trialDir,
    [DEPRECATED_SNAPSHOT_PLACEHOLDER]: trialDir,
    resume_from: resumeFrom ?? '',
  };
}

export function buildArgv(
  template: string[],
  values: Record<string, ParamValue | string>,
): string[] {
  return template.map((t) => substitute(t, values));
}

export function buildEnv(
  template: Record<string, string> | undefined,
  values: Record<string, ParamValue | string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template ?? {}).map(([k, v]) => [k, substitute(v, values)]),
  );
}
