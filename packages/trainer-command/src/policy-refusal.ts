/**
 * What a worker's policy says of a `command` section before any trial runs: the sweep's variables, the working
 * directory and the command. Parts made of placeholders depend on the trial and are left to the worker's gate.
 */
import {
  refuseCommand,
  refuseCwd,
  refuseEnv,
  resolvePosix,
  type TrainerSection,
  type WorkerPolicy,
} from '@sweeps/core';

/** Why a worker with `policy` would refuse the section, or null. */
export function refuseCommandSection(policy: WorkerPolicy, trainer: TrainerSection): string | null {
  const {
    command,
    cwd: dir,
    env,
  } = trainer as {
    command?: string[];
    cwd?: string;
    env?: Record<string, string>;
  };
  const cwd = resolvePosix(policy.workDir, dir ?? '.');
  const argv = command ?? [];
  const placeholder = (arg: string) => arg.includes('{');
  return (
    refuseEnv(policy, Object.keys(env ?? {})) ??
    (dir?.includes('{') ? null : refuseCwd(policy, cwd)) ??
    (placeholder(argv[0] ?? '') || dir?.includes('{')
      ? null
      : refuseCommand(policy, argv.length ? argv : [''], cwd, { unknown: placeholder }))
  );
}
