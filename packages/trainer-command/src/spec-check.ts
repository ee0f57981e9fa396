/**
 * The submission-time check of `kind: command`: a regex metric source must compile and name its groups. A command
 * resumes when its command line or environment uses `{resume_from}`: it is given the newest file its earlier run
 * left in `{snapshot_dir}` and is trusted to continue after that epoch.
 */
import { type ErrorIssue, placeholdersIn, type TrainerSection } from '@sweeps/core';
import { compileMetricPattern, MetricPatternError } from './metrics/regex-source.ts';

export function checkCommandSection(trainer: TrainerSection): ErrorIssue[] {
  const metrics = trainer.metrics as { format?: string; pattern?: string } | undefined;
  if (metrics?.format !== 'regex' || metrics.pattern === undefined) return [];
  try {
    compileMetricPattern(metrics.pattern);
    return [];
  } catch (err) {
    if (!(err instanceof MetricPatternError)) throw err;
    return [{ path: 'trainer.metrics.pattern', message: err.message, value: metrics.pattern }];
  }
}

export function commandResumes(trainer: TrainerSection): boolean {
  const command = Array.isArray(trainer.command) ? trainer.command : [];
  const env = trainer.env && typeof trainer.env === 'object' ? Object.values(trainer.env) : [];
  return [...command, ...env].some(
    (t) => typeof t === 'string' && placeholdersIn(t).includes('resume_from'),
  );
}
