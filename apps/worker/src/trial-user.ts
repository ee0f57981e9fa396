/**
 * The user trial processes run as. A worker running as root runs every trial process (the command, MMDetection,
 * the TF.js child) as an unprivileged user, `nobody` unless its owner names another (`SWEEPS_WORKER_RUN_AS`), so a
 * trial cannot read the worker's secrets: `/proc/<worker pid>/environ` is the worker's (root's, mode 0400), and so
 * are the files its secrets come from. A worker that is not root cannot change user: its trials run as itself.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TrialUser } from '@sweeps/core';

/** The value of `SWEEPS_WORKER_RUN_AS` that keeps trials as the worker's own user. */
export const RUN_AS_WORKER = 'off';
/** The user trials run as when the worker runs as root and its owner names none. */
export const DEFAULT_TRIAL_USER = 'nobody';

/** A trial user with what its processes are told about it. */
export interface NamedTrialUser extends TrialUser {
  name: string;
  home: string;
}

/** A passwd entry (`name:x:uid:gid:gecos:home:shell`) of `who`, a name or a uid, from the system's user database. */
function lookUp(who: string): NamedTrialUser {
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', who], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    throw new Error(
      `trial user: no user "${who}" on this machine (create one, e.g. \`useradd --system sweeps-trial\`, or name another with SWEEPS_WORKER_RUN_AS)`,
    );
  }
  const [name = who, , uid = '', gid = '', , home = '/'] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/**
 * The user trials run as, from the `SWEEPS_WORKER_RUN_AS` setting: a user name or uid; empty: `nobody` when the
 * worker runs as root, else none; `off`: none. Throws on a setting that cannot be honoured.
 */
export function resolveTrialUser(
  setting: string,
  workerUid: number | undefined = process.getuid?.(),
): NamedTrialUser | null {
  const wanted = setting.trim();
  if (wanted === RUN_AS_WORKER) return null;
  if (workerUid !== 0) {
    if (wanted === '') return null;
    throw new Error(
      `trial user: running trials as "${wanted}" needs the worker to run as root (it runs as uid ${workerUid})`,
    );
  }
  const user = lookUp(wanted || DEFAULT_TRIAL_USER);
  if (user.uid === 0 || user.gid === 0)
    throw new Error(
      `trial user: "${wanted}" is root (uid or gid 0): name an unprivileged user, or "${RUN_AS_WORKER}"`,
    );
  return user;
}

/** What the trial's processes are told about their user (instead of the worker's HOME, USER and LOGNAME). */
export function trialUserEnv(user: NamedTrialUser): Record<string, string> {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name };
}

/**
 * Makes a trial's directory (`<data dir>/trials/<id>`) one its user can write in without being able to touch what
 * the worker writes there: the directory stays the worker's, group-writable for the trial user's group, with the
 * sticky bit (as /tmp: nobody removes or renames another's entries), and the worker's own `logs/` is made first,
 * so a trial cannot put a link in its place that the worker would then write through.
 */
export async function prepareTrialDir(dir: string, user: TrialUser): Promise<void> {
  await mkdir(dir, { recursive: true });
  const logs = path.join(dir, 'logs');
  await mkdir(logs).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  for (const [p, what] of [
    [dir, 'trial directory'],
    [logs, 'log directory'],
  ] as const) {
    const s = await lstat(p);
    if (!s.isDirectory() || s.uid !== process.getuid?.())
      throw new Error(
        `the ${what} ${p} is not a directory of the worker's user (a link, or made by a trial): remove it`,
      );
  }
  await chown(dir, process.getuid?.() ?? 0, user.gid);
  await chmod(dir, 0o1770);
  await chmod(logs, 0o755);
}
