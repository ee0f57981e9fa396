/**
 * The worker's policy, from its settings (flags win over environment variables), and what trial processes start
 * from: an explicit environment made of a short list of the worker's variables (never its secrets), and a gate
 * the `command` trainer asks before it starts anything.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import {
  type CommandGate,
  matchesAny,
  NEVER_SETTABLE_ENV,
  refuseCwd,
  parseCommandTemplate,
  refuseCommand,
  refuseEnv,
  type WorkerPolicy,
} from '@sweeps/core';

/** Worker variables named SWEEPS_ that are settings of a trainer, not of the worker, so trials get them. */
const TRAINER_SETTINGS = ['SWEEPS_TFJS_*'];

/** Worker variables a trial process gets by default: locale, home, PATH, and what GPU and Vulkan stacks read. */
export const DEFAULT_PASS_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TMPDIR',
  'TERM',
  'LD_LIBRARY_PATH',
  'CUDA_HOME',
  'CUDA_PATH',
  'NVIDIA_*',
  'VK_*',
  'MESA_*',
  'XDG_*',
  'TF_*',
  'CONDA_*',
  'VIRTUAL_ENV',
  'PYTHONPATH',
  // The built-in TF.js trainer's knobs (its native CPU kernels: SWEEPS_TFJS_NATIVE, SWEEPS_TFJS_THREADS).
  ...TRAINER_SETTINGS,
];

/** Never passed to a trial process, whatever the worker's owner lists: the worker's own credentials. */
const SECRETS = ['DATABASE_URL', 'REDIS_URL', 'SWEEPS_*'];

function isSecret(name: string): boolean {
  return matchesAny(name, SECRETS) && !matchesAny(name, TRAINER_SETTINGS);
}

export interface PolicySettings {
  allowCommands: string;
  allowEnv: string;
  cwdRoots: string;
  passEnv: string;
  workDir: string;
}

const split = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The policy from comma-separated settings; throws on a setting that could never be honoured. */
export function readPolicy(s: PolicySettings): { policy: WorkerPolicy; passEnv: string[] } {
  const env = split(s.allowEnv);
  for (const name of env) {
    const never = NEVER_SETTABLE_ENV.find((g) => matchesAny(name, [g]));
    if (never)
      throw new Error(`allowed environment: ${name} may never be set by a sweep (${never})`);
  }
  const passEnv = [...DEFAULT_PASS_ENV, ...split(s.passEnv)];
  const secret = passEnv.find(isSecret);
  if (secret) throw new Error(`passed environment: ${secret} holds the worker's own settings`);
  const workDir = path.resolve(s.workDir);
  const roots = split(s.cwdRoots).map((r) => path.resolve(workDir, r));
  return {
    policy: {
      commands: split(s.allowCommands),
      env,
      cwdRoots: roots.length ? roots : [workDir],
      workDir,
    },
    passEnv,
  };
}

/** The environment every trial process starts from: only the listed variables of the worker's own. */
export function childEnvironment(
  source: NodeJS.ProcessEnv,
  passEnv: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && matchesAny(name, passEnv) && !isSecret(name)) out[name] = value;
  }
  return out;
}

/**
 * The gate of the `command` and `mmdet` trainers: the command's executable and first arguments against the
 * policy's commands (templates included), its directory and variables. Symlinks are resolved, so a link cannot
 * lead out of the allowed directories. One exception: an executable the policy names exactly (no glob), such as a virtualenv's
 * `/opt/venv/bin/python` (itself a link to the system interpreter), is allowed as named.
 */
export function policyGate(policy: WorkerPolicy): CommandGate {
  const exactPaths = new Set(policy.commands.map((c) => parseCommandTemplate(c).executable));
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return {
    check({ executable, argv, cwd, env }) {
      const dir = real(cwd);
      const named = executable.includes('/') ? path.resolve(dir, executable) : executable;
      const namedExactly = named.includes('/') && exactPaths.has(named);
      const judged = namedExactly || !named.includes('/') ? named : real(named);
      return (
        refuseEnv(policy, Object.keys(env)) ??
        refuseCwd(policy, dir) ??
        refuseCommand(policy, [judged, ...argv.slice(1)], dir)
      );
    },
  };
}
