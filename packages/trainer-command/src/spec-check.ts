/** The submission-time check of `kind: command`: a regex metric source must compile and name its groups. */
import type { TrainerSpecCheck } from '@sweeps/core';
import { compileMetricPattern, MetricPatternError } from './metrics/regex-source.ts';

export const commandSpecCheck: TrainerSpecCheck = {
  kind: 'command',
  check(trainer) {
    const metrics = trainer.metrics as { format?: string; pattern?: string } | undefined;
    if (metrics?.format !== 'regex' || metrics.pattern === undefined) return [];
    try {
      compileMetricPattern(metrics.pattern);
      return [];
    } catch (err) {
      if (!(err instanceof MetricPatternError)) throw err;
      return [{ path: 'trainer.metrics.pattern', message: err.message, value: metrics.pattern }];
    }
  },
};
