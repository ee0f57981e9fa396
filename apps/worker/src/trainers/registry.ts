/**
 * The worker's trainers by `trainer.kind`, from the trainer catalogue (`@sweeps/trainers`). A kind's runtime is
 * loaded when a trial first asks for it (its descriptor's `load`): TensorFlow.js, say, costs time and memory a
 * worker running commands never needs.
 */
import {
  PermanentTrialError,
  type Trainer,
  type TrainerDescriptor,
  type TrainerHost,
} from '@sweeps/core';
import { TRAINERS } from '@sweeps/trainers';

/** A kind's trainer on this worker, and its descriptor (whether its trials resume, ...). */
export interface WorkerTrainer {
  trainer: Trainer;
  descriptor: TrainerDescriptor;
}

export class TrainerRegistry {
  private readonly loaded = new Map<string, Promise<Trainer>>();

  /**
   * `host`: what every trainer of this worker is created with: the worker's directory, its policy's gate, and the
   * directories trials may read from (absent: anywhere; tests, direct use).
   */
  constructor(private readonly host: TrainerHost) {}

  async get(kind: string): Promise<WorkerTrainer> {
    const descriptor = TRAINERS.find((d) => d.kind === kind);
    if (!descriptor)
      throw new PermanentTrialError(
        `this worker has no trainer "${kind}" (it has: ${TRAINERS.map((d) => d.kind).join(', ')})`,
        'invalid',
      );
    let trainer = this.loaded.get(kind);
    if (!trainer) {
      trainer = this.create(descriptor);
      this.loaded.set(kind, trainer);
      // a load that failed is tried again by the next trial of the kind
      trainer.catch(() => this.loaded.delete(kind));
    }
    return { trainer: await trainer, descriptor };
  }

  private async create(descriptor: TrainerDescriptor): Promise<Trainer> {
    let create: Awaited<ReturnType<TrainerDescriptor['load']>>;
    try {
      create = await descriptor.load();
    } catch (err) {
      throw new PermanentTrialError(
        `the ${descriptor.kind} trainer could not be loaded: ${(err as Error).message}`,
        'invalid',
      );
    }
    return create(this.host);
  }
}
