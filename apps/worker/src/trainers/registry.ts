/**
 * Trainers by `trainer.kind`. The TF.js trainer (a dependency of the worker like the others) is imported only when
 * a trial asks for it: loading TensorFlow.js costs time and memory a worker running commands never needs.
 */
import { PermanentTrialError, type Trainer } from '@sweeps/core';
import { type CommandGate, CommandTrainer } from '@sweeps/trainer-command';
import { MmdetTrainer } from '@sweeps/trainer-mmdet';
import { NoopTrainer } from './noop-trainer.ts';

/** Options of {@link TrainerRegistry}. */
export interface TrainerRegistryOptions {
  /**
   * Directories the TF.js trainer may read data and checkpoints from (the worker's directories and data dir);
   * absent: anywhere (tests, direct use).
   */
  readRoots?: string[];
}

export class TrainerRegistry {
  private readonly trainers = new Map<string, Trainer>();

  constructor(
    workDir: string,
    gate?: CommandGate,
    private readonly options: TrainerRegistryOptions = {},
  ) {
    this.add(new CommandTrainer(workDir, gate ? { gate } : {}));
    this.add(
      new MmdetTrainer({
        ...(gate ? { gate } : {}),
        ...(options.readRoots ? { readRoots: options.readRoots } : {}),
      }),
    );
    this.add(new NoopTrainer());
  }

  add(trainer: Trainer): void {
    this.trainers.set(trainer.kind, trainer);
  }

  async get(kind: string): Promise<Trainer> {
    const found = this.trainers.get(kind);
    if (found) return found;
    if (kind === 'tfjs') return this.loadTfjs();
    throw new PermanentTrialError(
      `this worker has no trainer "${kind}" (it has: ${[...this.trainers.keys()].join(', ')})`,
      'invalid',
    );
  }

  private async loadTfjs(): Promise<Trainer> {
    let mod: typeof import('@sweeps/trainer-tfjs');
    try {
      mod = await import('@sweeps/trainer-tfjs');
    } catch (err) {
      throw new PermanentTrialError(
        `the TF.js trainer could not be loaded: ${(err as Error).message}`,
        'invalid',
      );
    }
    const trainer = mod.createTfjsTrainer(
      this.options.readRoots ? { readRoots: this.options.readRoots } : {},
    );
    this.add(trainer);
    return trainer;
  }
}
