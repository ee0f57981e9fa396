/**
 * How the trial processes of this machine are contained, so that every process a trial starts ends with the
 * trial, whatever it does to its session or process group (`setsid`, `spawn(..., {detached: true})`, double
 * forks). The best the machine allows is chosen once per worker process (the supervisor does the work, see
 * containers.mjs):
 * 1. `cgroup`: a cgroup v2 per trial under `<cgroup2 mount>/sweeps` (or under the worker's own cgroup where that
 *    is delegated to it). Nothing leaves a cgroup without write access to its parent's `cgroup.procs`, and
 *    `cgroup.kill` ends all of it at once. Needs a writable cgroup2 hierarchy (root, or a delegated subtree).
 * 2. `pidns`: a PID namespace per trial (`unshare --pid --fork --kill-child --mount-proc`, with `--user
 *    --map-current-user` when not root): the kernel kills everything in it when the supervisor, its init, exits;
 *    the trial's /proc shows its own processes only. Needs root or unprivileged user namespaces.
 * 3. `scan`: no kernel help: the supervisor finds descendants in /proc (session, group, parentage recorded while
 *    alive, a mark in the environment). A process that leaves its session, loses its parent before a scan and
 *    scrubs its environment escapes: the last resort.
 * Each is probed for real (a process is started inside and killed) before it is chosen.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** The kinds of containment, best first. */
export const CONTAINMENT_KINDS = ['cgroup', 'pidns', 'scan'] as const;
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

/**
 * What holds trial processes here: `base` is the folder trial cgroups are made in; `launcher` is `unshare` and its
 * options, which the supervisor's command line follows.
 */
export type Containment =
  | { kind: 'cgroup'; base: string }
  | { kind: 'pidns'; launcher: string[] }
  | { kind: 'scan' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** The cgroup2 mount point, from this process's mount table (`/sys/fs/cgroup`, or `.../unified` on hybrids). */
function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [left, right] = line.split(' - ');
      if (right?.startsWith('cgroup2 ')) return left?.split(' ')[4];
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}

/** Folders a trial cgroup may be made in: a `sweeps` folder at the top, else inside this process's own cgroup. */
function cgroupBases(): string[] {
  const mount = cgroup2Mount();
  if (!mount) return [];
  const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  const bases = [path.join(mount, 'sweeps')];
  if (own !== '/') bases.push(path.join(mount, own, 'sweeps-trials'));
  return bases;
}

/** A process that does nothing for 10 s: what the probes put in a container and kill. */
function idleProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
}

async function cgroupWorks(base: string): Promise<boolean> {
  const probe = path.join(base, `probe-${process.pid}-${randomBytes(3).toString('hex')}`);
  const child = idleProcess();
  try {
    mkdirSync(base, { recursive: true });
    mkdirSync(probe);
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    writeFileSync(path.join(probe, 'cgroup.procs'), String(child.pid));
    const gone = new Promise((r) => child.once('exit', r));
    killCgroup(probe);
    await gone;
    return true;
  } catch {
    return false;
  } finally {
    child.kill('SIGKILL');
    await removeTrialCgroup(probe);
  }
}

async function pidNamespaceLauncher(): Promise<string[] | undefined> {
  const asRoot = process.getuid?.() === 0;
  for (const unshare of ['/usr/bin/unshare', '/bin/unshare']) {
    if (!existsSync(unshare)) continue;
    const launcher = [
      unshare,
      ...(asRoot ? [] : ['--user', '--map-current-user']),
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
    ];
    try {
      await run(launcher[0]!, [...launcher.slice(1), process.execPath, '-e', ''], {
        timeout: 10_000,
      });
      return launcher;
    } catch {
      /* not allowed here */
    }
  }
  return undefined;
}

/** Probes one kind of containment; undefined where this machine does not allow it. */
export async function probeContainment(kind: ContainmentKind): Promise<Containment | undefined> {
  if (kind === 'scan') return { kind: 'scan' };
  if (kind === 'pidns') {
    const launcher = await pidNamespaceLauncher();
    return launcher ? { kind, launcher } : undefined;
  }
  for (const base of cgroupBases()) if (await cgroupWorks(base)) return { kind, base };
  return undefined;
}

let detected: Promise<Containment> | undefined;

/** The best containment this machine allows, probed once per process. */
export function detectContainment(): Promise<Containment> {
  detected ??= (async () => {
    for (const kind of CONTAINMENT_KINDS) {
      const found = await probeContainment(kind);
      if (found?.kind === 'cgroup') await removeLeftoverTrialCgroups(found.base);
      if (found) return found;
    }
    return { kind: 'scan' } as const;
  })();
  return detected;
}

/** One line for the worker's log: what holds trial processes here, and why not something better. */
export function describeContainment(c: Containment): string {
  if (c.kind === 'cgroup') return `cgroup v2 ${c.base}/<trial> (ended with cgroup.kill)`;
  if (c.kind === 'pidns')
    return `a PID namespace per trial (${c.launcher.join(' ')}): no writable cgroup v2 here`;
  return 'a scan of /proc (session, group, parentage, environment mark): no writable cgroup v2 and no PID namespaces here; a process that leaves its session and scrubs its environment can escape';
}

let trialCount = 0;

/** The user a trial's supervisor runs as, where it is not the worker's own. */
export interface CgroupOwner {
  uid: number;
  gid: number;
}

/**
 * Makes a trial's cgroup (the runner moves the supervisor in right after starting it). With `owner` (a supervisor
 * that runs as another user) the cgroup is delegated to that user as systemd delegates: the folder and its
 * `cgroup.procs` and `cgroup.threads`, so the supervisor can make `cmd`, step in and out, and kill it, and nothing
 * above the trial's cgroup.
 */
export function createTrialCgroup(base: string, owner?: CgroupOwner): string {
  trialCount += 1;
  const dir = path.join(
    base,
    `trial-${process.pid}-${trialCount}-${randomBytes(3).toString('hex')}`,
  );
  mkdirSync(dir);
  if (owner)
    for (const f of ['', 'cgroup.procs', 'cgroup.threads'])
      chownSync(path.join(dir, f), owner.uid, owner.gid);
  return dir;
}

/** Kills every process in `dir` and the cgroups inside it. */
export function killCgroup(dir: string): void {
  try {
    if (existsSync(path.join(dir, 'cgroup.kill')))
      writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    else
      for (const pid of cgroupPids(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
  } catch {
    /* gone */
  }
}

function cgroupPids(dir: string): number[] {
  const pids = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) pids.push(...cgroupPids(path.join(dir, e.name)));
  return pids;
}

const populated = (dir: string) => {
  try {
    return /^populated 1$/m.test(readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
};

/** Kills what is left in a trial's cgroup (a supervisor that was itself killed) and removes it. */
export async function removeTrialCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (let i = 0; i < 100 && populated(dir); i++) {
    killCgroup(dir);
    await sleep(20);
  }
  const remove = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) remove(path.join(d, e.name));
    rmdirSync(d);
  };
  // A process that has just exited may hold its cgroup for a moment after its parent saw it go.
  for (let i = 0; i < 50; i++) {
    try {
      return remove(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY') return;
      await sleep(20);
    }
  }
  // Still busy: a later worker start removes it (removeLeftoverTrialCgroups).
}

/** Removes empty trial cgroups of worker processes that are gone (their supervisors cannot remove their own). */
export async function removeLeftoverTrialCgroups(base: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number(/^trial-(\d+)-/.exec(name)?.[1]);
    if (!owner || owner === process.pid || existsSync(`/proc/${owner}`)) continue;
    if (!populated(path.join(base, name))) await removeTrialCgroup(path.join(base, name));
  }
}
