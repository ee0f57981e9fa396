/**
 * The one runner of trial processes, used by the `command` trainer and the `tfjs` trainer: a command runs under a
 * small supervisor (`supervisor.mjs`), both detached in process groups of their own, with an explicit environment,
 * and every process the command starts is held in a container (containment.ts: a cgroup v2 per trial, else a PID
 * namespace, else a /proc scan), whatever it does to its session or process group.
 * - An abort stops every process of the trial: SIGTERM, then SIGKILL after the grace, even after the command
 *   itself has exited (descendants that hold its stdout, daemons in sessions of their own).
 * - When the command exits, whatever it left running is stopped before the trial ends.
 * - The worker sends the supervisor a heartbeat: if the worker dies (even SIGKILL) or freezes (SIGSTOP), the
 *   supervisor stops the command, so it never trains on beside the trial's next attempt.
 * - Output lines are bounded (`LineSplitter`, 64 KiB): the rest of a longer line is counted, never held.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  type Containment,
  type ContainmentKind,
  createTrialCgroup,
  detectContainment,
  killCgroup,
  probeContainment,
  removeTrialCgroup,
} from './containment.ts';
import { LineSplitter } from './metrics/lines.ts';

/** Milliseconds between SIGTERM and SIGKILL when a trial's process group is stopped. */
export const KILL_GRACE_MS = 5_000;
/** How long the supervisor waits for a heartbeat before it takes the worker for dead or frozen. */
export const WATCHDOG_MS = 5_000;
/** The exit code by which a trial process marks its trial as diverged (loss NaN, blown up): recorded, not retried. */
export const DIVERGED_EXIT_CODE = 3;

const SUPERVISOR = fileURLToPath(new URL('./supervisor.mjs', import.meta.url));

export interface DetachedRunOptions {
  argv: string[];
  cwd: string;
  /** The whole environment of the process (nothing of the worker's own is added). */
  env: Record<string, string>;
  /** The user the supervisor and the command run as (the worker drops privileges); absent: the worker's own. */
  runAs?: { uid: number; gid: number };
  /** Written to the process's stdin, which is then closed; stdin is empty when absent. */
  stdin?: string;
  signal: AbortSignal;
  onStdout(line: string): void;
  onStderr(line: string): void;
  killGraceMs?: number;
  watchdogMs?: number;
  /** Use this containment (tests); default: the best this machine allows (`detectContainment`). */
  containment?: ContainmentKind;
}

export interface DetachedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started (e.g. `ENOENT`: no such executable). */
  startError?: { code: string | null; message: string };
  /** Characters dropped from over-long output lines. */
  droppedChars: number;
  /** What held the trial's processes, as the supervisor reported it (e.g. `cgroup v2 /sys/fs/cgroup/...`). */
  containedBy?: string;
}

const probed = new Map<ContainmentKind, Promise<Containment | undefined>>();

async function containmentFor(kind: ContainmentKind | undefined): Promise<Containment> {
  if (kind === undefined) return detectContainment();
  if (!probed.has(kind)) probed.set(kind, probeContainment(kind));
  const found = await probed.get(kind);
  if (!found) throw new Error(`trial containment "${kind}" is not available on this machine`);
  return found;
}

/**
 * How a trial's supervisor is started and which container it opens; `cgroup` is the trial's own, if any, handed to
 * `runAs` when the trial runs as another user; `asUser` is whom the spawned process runs as. In a PID namespace the
 * launcher (`unshare`, which needs the worker's privileges) drops to `runAs` itself with `setpriv` before the
 * supervisor starts.
 */
function launch(
  c: Containment,
  runAs: DetachedRunOptions['runAs'],
  supervisorArgs: (container: string) => string[],
) {
  if (c.kind === 'pidns') {
    const [file, ...args] = c.launcher;
    const drop = runAs
      ? ['setpriv', `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups']
      : [];
    return {
      file: file!,
      args: [...args, ...drop, process.execPath, ...supervisorArgs('pidns')],
      asUser: undefined,
    };
  }
  const cgroup = c.kind === 'cgroup' ? tryCreateTrialCgroup(c.base, runAs) : undefined;
  const container = cgroup ? `cgroup:${cgroup}` : 'scan';
  return { file: process.execPath, args: supervisorArgs(container), cgroup, asUser: runAs };
}

/** The trial's cgroup, or undefined where it cannot be made now (the trial falls back to the scan). */
function tryCreateTrialCgroup(
  base: string,
  owner: DetachedRunOptions['runAs'],
): string | undefined {
  try {
    return createTrialCgroup(base, owner);
  } catch {
    return undefined;
  }
}

/**
 * Runs `argv` to its end (or until `signal` aborts and its processes are stopped); never rejects for the command's
 * sake (only when a `containment` asked for is not available).
 */
export async function runDetached(opts: DetachedRunOptions): Promise<DetachedExit> {
  const containment = await containmentFor(opts.containment);
  const grace = opts.killGraceMs ?? KILL_GRACE_MS;
  const watchdog = opts.watchdogMs ?? WATCHDOG_MS;
  const { file, args, cgroup, asUser } = launch(containment, opts.runAs, (container) => [
    SUPERVISOR,
    String(grace),
    String(watchdog),
    container,
    '--',
    ...opts.argv,
  ]);
  const sup = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    ...(asUser ? { uid: asUser.uid, gid: asUser.gid } : {}),
    detached: true,
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  // The supervisor waits for this before it starts the command in the cgroup's `cmd` folder.
  if (cgroup && sup.pid) {
    try {
      writeFileSync(`${cgroup}/cgroup.procs`, String(sup.pid));
    } catch {
      // The supervisor falls back to the scan after waiting 2 s for this, and says so in `containedBy`.
    }
  }
  if (opts.stdin !== undefined) {
    sup.stdin!.on('error', () => {}); // a process that exits early closes stdin; its exit tells why
    sup.stdin!.end(opts.stdin);
  }
  const control = sup.stdio[3] as unknown as import('node:net').Socket;
  control.on('error', () => {});
  const splitters = [follow(sup.stdout!, opts.onStdout), follow(sup.stderr!, opts.onStderr)];
  let reported: Partial<DetachedExit> & { pid?: number } = {};
  let buffered = '';
  control.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const msg = JSON.parse(line) as {
          contained?: string;
          pid?: number;
          startError?: DetachedExit['startError'];
          exit?: { code: number | null; signal: NodeJS.Signals | null };
        };
        if (msg.contained) reported.containedBy = msg.contained;
        if (msg.pid) reported.pid = msg.pid;
        if (msg.startError) reported.startError = msg.startError;
        if (msg.exit) reported = { ...reported, ...msg.exit };
      } catch {
        /* not from our supervisor: ignore */
      }
    }
  });
  const beat = setInterval(() => control.write('beat\n'), Math.max(watchdog / 5, 50));
  beat.unref();
  const killAll = () =>
    killTrial(cgroup, sup.pid, containment.kind === 'pidns' ? undefined : reported.pid);
  // A supervisor that dies before it reports the command's exit (the OOM killer, a stray SIGKILL) leaves no one
  // to end the trial: the runner ends it at once.
  sup.on('exit', () => {
    const check = () => {
      if (!('code' in reported) && !reported.startError) killAll();
    };
    // Its last report may still be unread: look once the control socket has ended.
    if (control.readableEnded) return check();
    control.once('end', check);
    setTimeout(check, 1000).unref();
  });
  let lastResort: NodeJS.Timeout | undefined;
  const onAbort = () => {
    control.write('stop\n');
    // A supervisor that does not end the trial in time (it was stopped itself): kill it and the trial.
    lastResort = setTimeout(killAll, grace + 3000);
    lastResort.unref();
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve) => {
    let done = false;
    const finish = (supCode: number | null, supSignal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearInterval(beat);
      clearTimeout(lastResort);
      opts.signal.removeEventListener('abort', onAbort);
      for (const s of splitters) s.end();
      const droppedChars = splitters.reduce((n, s) => n + s.dropped, 0);
      const containedBy = reported.containedBy ? { containedBy: reported.containedBy } : {};
      const exit: DetachedExit = reported.startError
        ? { code: null, signal: null, startError: reported.startError, droppedChars }
        : 'code' in reported || 'signal' in reported
          ? { code: reported.code ?? null, signal: reported.signal ?? null, droppedChars }
          : // The supervisor ended without a report: it was killed (or node could not start it). Never a success,
            // even when it exited 0: the command's own exit is unknown.
            { code: supCode === 0 ? null : supCode, signal: supSignal ?? 'SIGKILL', droppedChars };
      // Whatever a killed supervisor left in the trial's cgroup goes with the cgroup.
      void (cgroup ? removeTrialCgroup(cgroup) : Promise.resolve()).then(() =>
        resolve({ ...exit, ...containedBy }),
      );
    };
    sup.on('error', (err: NodeJS.ErrnoException) => {
      reported.startError = { code: err.code ?? null, message: err.message };
      if (sup.pid === undefined) finish(null, null); // never started (e.g. its cwd does not exist)
    });
    sup.on('close', finish);
  });
}

/**
 * Kills a trial and its supervisor outright: the trial's cgroup, the supervisor's process group (in a PID
 * namespace, unshare and its init: the kernel then ends the namespace) and the command's group (`commandPid`,
 * unless it is a namespace's own pid).
 */
function killTrial(cgroup: string | undefined, supervisorPid?: number, commandPid?: number) {
  if (cgroup) killCgroup(cgroup);
  for (const pid of [supervisorPid, commandPid]) {
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function follow(stream: Readable, onLine: (line: string) => void) {
  const splitter = new LineSplitter();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) onLine(line);
  });
  return {
    end: () => {
      for (const line of splitter.end()) onLine(line);
    },
    get dropped() {
      return splitter.dropped;
    },
  };
}
