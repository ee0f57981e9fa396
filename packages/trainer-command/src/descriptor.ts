/** The `command` kind in the trainer catalogue (see `TrainerDescriptor` in @sweeps/core). */
import type { TrainerDescriptor } from '@sweeps/core';
import { refuseCommandSection } from './policy-refusal.ts';
import { CommandTrainerSchema, commandTemplates } from './section.ts';
import { checkCommandSection, commandResumes } from './spec-check.ts';

export const commandTrainer: TrainerDescriptor = {
  kind: 'command',
  schema: CommandTrainerSchema,
  check: checkCommandSection,
  templates: commandTemplates,
  resumes: commandResumes,
  refusal: refuseCommandSection,
  async load() {
    const { CommandTrainer } = await import('./command-trainer.ts');
    return (host) => new CommandTrainer(host.workDir, host.gate ? { gate: host.gate } : {});
  },
};
