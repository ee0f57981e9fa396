/**
 * Builds the training task a trial asks for (`classification` now; `detection` once `src/detector` exists) and
 * loads the trial's checkpoint into its backbone.
 */
import { PermanentTrialError } from '@sweeps/core';

import { CheckpointError } from '../checkpoint/errors.ts';
import { loadBackboneWeights } from '../checkpoint/load.ts';
import type { ResNet } from '../model/resnet.ts';
import { createClassificationTask } from '../pretrain/classification-task.ts';
import type { TrainTask } from '../train/task.ts';
import type { InitFrom, RunPlan } from './options.ts';

/** Loads a checkpoint into a backbone; a bad or mismatching file is a permanent, `invalid` failure. */
export async function initBackbone(
  backbone: ResNet,
  init: InitFrom,
  log: (line: string) => void,
): Promise<void> {
  if (init.kind === 'scratch') return log('backbone: random initialisation (scratch)');
  try {
    const result = await loadBackboneWeights(backbone, init.file, {
      ...(init.prefix ? { prefix: init.prefix } : {}),
      log,
    });
    if (result.loadedKeys.length === 0)
      throw new CheckpointError('CHECKPOINT_KEYS', 'no key of the checkpoint matches the backbone');
    log(`backbone: loaded ${result.loadedKeys.length} tensors from ${init.file}`);
  } catch (err) {
    if (err instanceof CheckpointError) {
      throw new PermanentTrialError(
        `checkpoint "${init.name}" (${init.file}): ${err.message}`,
        'invalid',
      );
    }
    throw err;
  }
}

/** The classification task of a trial: the rendered object-crop set, ResNet + fc, backbone from the checkpoint. */
async function classificationTask(
  plan: RunPlan,
  log: (line: string) => void,
): Promise<TrainTask<unknown>> {
  const o = plan.options;
  const task = createClassificationTask({
    backbone: {
      depth: o.depth,
      width: o.width,
      style: o.style,
      frozenStages: o.frozen_stages,
      normEval: plan.normEval,
      stemMaxPool: o.image_size > 32,
    },
    seed: plan.seed,
    dataSeed: o.data_seed,
    trainImages: o.train_images ?? 2000,
    valImages: o.val_images ?? 500,
    imageSize: o.image_size,
    batchSize: o.batch_size,
  });
  try {
    await initBackbone(task.backbone, plan.init, log);
  } catch (err) {
    task.dispose?.();
    throw err;
  }
  return task as TrainTask<unknown>;
}

/** Builds the task of a plan. */
export async function buildTask(
  plan: RunPlan,
  log: (line: string) => void,
): Promise<TrainTask<unknown>> {
  if (plan.task === 'classification') return classificationTask(plan, log);
  const { detectionTask } = await import('./detection-task.ts');
  return detectionTask(plan, log);
}
