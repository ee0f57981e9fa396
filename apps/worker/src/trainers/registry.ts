/** Trainers by `trainer.kind`. The TF.js trainer is loaded only when a trial asks for it. */
import { PermanentTrialError, type Trainer } from '@sweeps/core';
import { type CommandGate, CommandTrainer } from '@sweeps/trainer-command';
import { MmdetTrainer } from '@sweeps/trainer-mmdet';
import { NoopTrainer } from './noop-trainer.ts';

export class TrainerRegistry {
  private readonly trainers = new Map<string, Trainer>();

  constructor(workDir: string, gate?: CommandGate) {
    this.add(new CommandTrainer(workDir, gate ? { gate } : {}));
    this.add(new MmdetTrainer());
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
    let mod: { createTfjsTrainer?: () => Trainer };
    try {
      const specifier = '@sweeps/trainer-tfjs'; // resolved at run time: GPU-less builds may leave it out
      mod = (await import(specifier)) as typeof mod;
    } catch (err) {
      throw new PermanentTrialError(
        `the TF.js trainer could not be loaded: ${(err as Error).message}`,
        'invalid',
      );
    }
    if (!mod.createTfjsTrainer)
      throw new PermanentTrialError('the TF.js trainer is not available in this build', 'invalid');
    const trainer = mod.createTfjsTrainer();
    this.add(trainer);
    return trainer;
  }
}
