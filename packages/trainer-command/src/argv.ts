/** Builds a trial's argv and environment from the command template: one template entry, one argv entry. */
import {
  DEPRECATED_SNAPSHOT_PLACEHOLDER,
  substitute,
  type ParamValue,
  type TrialRun,
  trialPlaceholderValues,
} from '@sweeps/core';

/** Every placeholder value a trial has (see GLOBAL_PLACEHOLDERS in core). */
export function placeholderValues(
  trial: TrialRun,
  trialDir: string,
  resumeFrom?: string,
): Record<string, ParamValue | string> {
  return {
    ...trialPlaceholderValues(trial),
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
