/** The `mmdet` kind in the trainer catalogue (see `TrainerDescriptor` in @sweeps/core). */
import type { TrainerDescriptor } from '@sweeps/core';
import { z } from 'zod';
import { refuseMmdetSection } from './policy-refusal.ts';
import { checkMmdetSection, mmdetWorkerPaths } from './spec.ts';

export const mmdetTrainer: TrainerDescriptor = {
  kind: 'mmdet',
  // Only the kind here: {@link checkMmdetSection} refuses unknown or bad fields, naming each path, and the sweep
  // keeps its section as written (the trainer fills in its defaults per trial).
  schema: z.looseObject({ kind: z.literal('mmdet') }),
  check: checkMmdetSection,
  // MMDetection saves a snapshot (its `epoch_N.pth` "checkpoint") every epoch in the trial's work dir, and a
  // later run resumes from the newest.
  resumes: () => true,
  workerPaths: mmdetWorkerPaths,
  refusal: refuseMmdetSection,
  async load() {
    const { MmdetTrainer } = await import('./mmdet-trainer.ts');
    return (host) =>
      new MmdetTrainer({
        ...(host.gate ? { gate: host.gate } : {}),
        ...(host.readRoots ? { readRoots: [...host.readRoots] } : {}),
      });
  },
};
