/**
 * The derived MMDetection config of one cell, exactly as a worker would write it, and the command it would run
 * (`sweeps preview FILE --cell N`). Paths are shown as the worker resolves them; the trial's directory is shown
 * as `$SWEEPS_DATA_DIR/trials/<trial id>` since it lives on whichever worker runs the trial.
 */
import path from 'node:path';
import { DomainError } from '@sweeps/core';
import {
  checkpointLocation,
  deriveConfigText,
  launchArgv,
  MmdetTrainerSpecSchema,
  trialPaths,
} from '@sweeps/trainer-mmdet/spec';
import type { ApiDeps } from './deps.ts';
import { planWithChecks } from './trainer-checks.ts';

const invalid = (p: string, message: string, value?: unknown) =>
  new DomainError('INVALID_SPEC', `${p}: ${message}`, [{ path: p, message, value }]);

export function derivedConfigPreview(
  deps: ApiDeps,
  body: { sweep: Record<string, unknown>; cell: number; checkpoint?: string; seed?: number },
) {
  const plan = planWithChecks(deps, body.sweep);
  if (plan.spec.trainer.kind !== 'mmdet')
    throw invalid(
      'sweep.trainer.kind',
      'only mmdet sweeps have a derived config',
      plan.spec.trainer.kind,
    );
  const cell = plan.cells[body.cell - 1];
  if (!cell) throw invalid('cell', `the sweep has cells 1 to ${plan.cells.length}`, body.cell);
  const checkpoint = body.checkpoint
    ? plan.spec.checkpoints.find((c) => c.name === body.checkpoint)
    : plan.spec.checkpoints[0];
  if (!checkpoint) throw invalid('checkpoint', 'no such checkpoint in the sweep', body.checkpoint);
  const seed = body.seed ?? plan.spec.seeds[0]!;
  const spec = MmdetTrainerSpecSchema.parse(plan.spec.trainer);
  const root = path.resolve(spec.root);
  const files = trialPaths('$SWEEPS_DATA_DIR/trials/<trial id>');
  const trial = {
    trialId: '<trial id>',
    sweepId: '<sweep id>',
    optimizer: cell.optimizer,
    params: cell.params,
    fixed: plan.spec.fixed,
    seed,
    checkpoint,
  };
  return {
    cell: {
      index: body.cell,
      optimizer: cell.optimizer,
      params: cell.params,
      configHash: cell.configHash,
    },
    checkpoint: checkpoint.name,
    seed,
    config: deriveConfigText({
      spec,
      trial,
      baseConfig: path.resolve(root, spec.config),
      checkpointPath: checkpointLocation(checkpoint, root).path,
      resume: false,
    }),
    argv: launchArgv({
      spec,
      derivedConfig: files.derivedConfig,
      workDir: files.workDir,
      seed,
      resumeFrom: null,
      masterPort: 29500,
    }),
    cwd: root,
  };
}
