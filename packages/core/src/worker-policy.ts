/**
 * A worker's policy: what its owner lets sweeps run on it. A `command` trial runs only an allowed executable, in
 * an allowed directory, setting only allowed environment variables (and never the ones below, which would change
 * what runs or on which GPU); an `mmdet` trial's interpreter is such an executable too, run from its `root`.
 * Workers publish their policy when they register, so the API can say before a submission that no live worker
 * would accept a sweep's trainer. Pure: paths are compared as written (POSIX).
 */
import { z } from 'zod';

/** Variables no sweep may set, whatever a policy allows: loaders, interpreters, the slot's GPU, the worker's own. */
export const NEVER_SETTABLE_ENV = [
  'LD_*',
  'DYLD_*',
  'PATH',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHON*',
  'CUDA_VISIBLE_DEVICES',
  'SWEEPS_*',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

export const WorkerPolicySchema = z.object({
  /**
   * Executables a `command` trainer may start: bare names (looked up on PATH) or absolute path globs, each
   * optionally followed by the leading arguments it must be started with (a command template, see
   * {@link CommandTemplate}).
   */
  commands: z.array(z.string()).default([]),
  /** Names (or globs such as `MMDET_*`) of environment variables a sweep may set. */
  env: z.array(z.string()).default([]),
  /** Directories a trial's `cwd` must lie in. */
  cwdRoots: z.array(z.string()).default([]),
  /** The directory relative commands and `cwd` resolve against. */
  workDir: z.string().default('/'),
});
export type WorkerPolicy = z.infer<typeof WorkerPolicySchema>;

/** `*` any characters but `/`, `**` any characters, `?` one character but `/`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(value));
}

/** `p` made absolute against `base` and normalised (`.`, `..`, repeated `/`), as POSIX paths. */
export function resolvePosix(base: string, p: string): string {
  const parts: string[] = [];
  for (const part of (p.startsWith('/') ? p : `${base}/${p}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');

/**
 * One entry of a policy's `commands`: an executable (a bare name looked up on PATH, or an absolute path glob),
 * then, in a **command template**, the leading arguments it must be started with, separated by spaces. `python3
 * tools/train.py` allows `python3 tools/train.py ...` but not `python3 -c ...` nor `python3 other.py`; a bare
 * `python3` allows any arguments, so any code.
 */
export interface CommandTemplate {
  executable: string;
  /** Compared with the command's first arguments exactly, as written (no globs). */
  args: string[];
}

export function parseCommandTemplate(entry: string): CommandTemplate {
  const [executable = '', ...args] = entry.trim().split(/\s+/);
  return { executable, args };
}

/** A bare name must match a bare pattern; a path is resolved against `cwd` and must match a path glob. */
function executableMatches(pattern: string, executable: string, cwd: string): boolean {
  if (!executable.includes('/'))
    return !pattern.includes('/') && globToRegExp(pattern).test(executable);
  return pattern.includes('/') && globToRegExp(pattern).test(resolvePosix(cwd, executable));
}

/** A command as shown in a message: its first words, cut short. */
function showCommand(argv: readonly string[]): string {
  const text = argv.slice(0, 4).join(' ');
  const cut = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return argv.length > 4 ? `${cut} ...` : cut;
}

/** Options of {@link refuseCommand}. */
export interface RefuseCommandOptions {
  /** Arguments whose value is not known yet (placeholders at submission): they match any template argument. */
  unknown?: (arg: string) => boolean;
}

/**
 * Why the policy refuses to start `argv` (as written in the command, after placeholders) from `cwd`, or null. The
 * executable must match an entry's executable, and the arguments after it must begin with that entry's arguments.
 */
export function refuseCommand(
  policy: WorkerPolicy,
  argv: readonly string[],
  cwd: string,
  options: RefuseCommandOptions = {},
): string | null {
  const executable = argv[0] ?? '';
  const templates = policy.commands
    .map(parseCommandTemplate)
    .filter((t) => executableMatches(t.executable, executable, cwd));
  const argMatches = (want: string, got: string | undefined) =>
    got === want || (got !== undefined && (options.unknown?.(got) ?? false));
  if (templates.some((t) => t.args.every((a, i) => argMatches(a, argv[i + 1])))) return null;
  if (templates.length > 0)
    return `the command "${showCommand(argv)}" is not allowed on this worker: ${executable} may only be started as ${templates.map((t) => `"${[t.executable, ...t.args].join(' ')} ..."`).join(' or ')}`;
  return policy.commands.length === 0
    ? `this worker runs no commands (its owner allows them with --allow-commands or SWEEPS_WORKER_ALLOW_COMMANDS), so "${executable}" is not run`
    : `the executable "${executable}" is not allowed on this worker (allowed: ${list(policy.commands)})`;
}

/** Why the policy refuses a sweep's environment variable names, or null. */
export function refuseEnv(policy: WorkerPolicy, names: readonly string[]): string | null {
  for (const name of names) {
    if (matchesAny(name, NEVER_SETTABLE_ENV))
      return `a sweep may never set ${name} (never settable: ${NEVER_SETTABLE_ENV.join(', ')})`;
    if (!matchesAny(name, policy.env))
      return `the environment variable ${name} is not allowed on this worker (allowed: ${list(policy.env)})`;
  }
  return null;
}

/** Whether absolute `p` is `dir` or lies below it (`/srv/a` is not inside `/srv/ab`); as written, POSIX. */
export function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Why the policy refuses `cwd` (absolute, already resolved), or null. */
export function refuseCwd(
  policy: WorkerPolicy,
  cwd: string,
  what = 'the working directory',
): string | null {
  const inside = policy.cwdRoots.some((root) => isInside(cwd, resolvePosix('/', root)));
  return inside
    ? null
    : `${what} ${cwd} is outside this worker's directories (${list(policy.cwdRoots)})`;
}
