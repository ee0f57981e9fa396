/**
 * Before a sweep is created (and in its preview): do the live workers see the files its trainer needs (an mmdet
 * sweep's `tools/train.py`, config and local checkpoints)? Asked over Redis ({@link probeWorkerPaths}); each worker
 * answers for itself. A missing file fails every trial that worker takes, so preview and submit name it, per field
 * and worker. A warning, not a refusal: the file may be copied there, or other workers may start.
 */
import type { SweepSpec, WorkerPath } from '@sweeps/core';
import { type PathProbeAnswer, type PathStatus, probeWorkerPaths } from '@sweeps/queue';
import type { ApiDeps } from './deps.ts';
import { trainerOf } from '@sweeps/trainers';

const SAID: Record<Exclude<PathStatus, 'found'>, string> = {
  missing: 'does not exist',
  outside: "is outside the worker's directories",
};

export async function workerFileWarnings(deps: ApiDeps, spec: SweepSpec): Promise<string[]> {
  const paths = trainerOf(spec.trainer.kind)?.workerPaths?.(spec.trainer, spec) ?? [];
  if (paths.length === 0) return [];
  const answers = await probeWorkerPaths(
    deps.redis,
    deps.names,
    paths.map((p) => p.path),
  );
  return describeAnswers(paths, answers);
}

/** One warning per file some worker lacks: its field, its path, what is wrong, and on which workers. */
export function describeAnswers(paths: WorkerPath[], answers: PathProbeAnswer[]): string[] {
  const warnings: string[] = [];
  paths.forEach((p, i) => {
    for (const status of ['missing', 'outside'] as const) {
      const workers = answers.filter((a) => a.statuses[i] === status).map((a) => a.worker);
      if (workers.length === 0) continue;
      const shown = workers.slice(0, 3).join(', ');
      const more = workers.length > 3 ? ` and ${workers.length - 3} more` : '';
      const where =
        workers.length === answers.length
          ? `every live worker (${shown}${more})`
          : `worker(s) ${shown}${more}`;
      warnings.push(`${p.field}: ${p.path} ${SAID[status]} on ${where}`);
    }
  });
  return warnings;
}
