// How a trial's supervisor holds every process its command starts, whatever they do to their session or process
// group (plain JavaScript, loaded by supervisor.mjs). One container per trial, chosen by the runner
// (containment.ts) and named on the supervisor's command line:
//   - `cgroup:<dir>`: a cgroup v2 of the trial's own, into which the runner has moved the supervisor. The command
//     starts in `<dir>/cmd` (the supervisor steps in to spawn it and back out), so it and everything it starts
//     stay there: no setsid or double fork leaves a cgroup. Ended with `cgroup.kill` (or freeze, kill, thaw).
//   - `pidns`: the supervisor is the init of a PID namespace of its own (`unshare --pid --fork --kill-child
//     --mount-proc`): orphans come to it, /proc shows the trial's processes only, and when it exits the kernel
//     kills every process left in the namespace.
//   - `scan`: no kernel help. Descendants are found in /proc: the command's session, its process group, children
//     of those already found (recorded while alive, so an orphan stays known), and a mark in their environment.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `/proc/<pid>/stat` as { state, ppid, pgrp, session, start }, or undefined when it is gone. */
export function readStat(pid, proc = '/proc') {
  let stat;
  try {
    stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    start: f[19],
  };
}

const running = (pid) => {
  const s = readStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
};

function pidsIn(dir) {
  return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

/** The live processes of a cgroup and of any cgroups a trial made inside it. */
function cgroupMembers(dir) {
  let pids = [];
  try {
    pids = pidsIn(dir).filter(running);
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) pids.push(...cgroupMembers(path.join(dir, e.name)));
  } catch {
    /* removed meanwhile */
  }
  return pids;
}

function signalEach(pids, sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

function removeCgroupTree(dir) {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
    rmdirSync(dir);
  } catch {
    /* busy or gone: the runner removes the trial's cgroup after the supervisor */
  }
}

/** The trial's cgroup: the supervisor waits until the runner has moved it in, then makes `cmd` for the command. */
async function openCgroup(dir) {
  const until = Date.now() + 2000;
  while (!pidsIn(dir).includes(process.pid)) {
    if (Date.now() > until) throw new Error(`the runner did not move the supervisor into ${dir}`);
    await sleep(5);
  }
  const cmd = path.join(dir, 'cmd');
  mkdirSync(cmd);
  const hasKill = existsSync(path.join(cmd, 'cgroup.kill'));
  return {
    describe: `cgroup v2 ${cmd}`,
    env: {},
    /** Spawns inside `cmd`: the child is forked while the supervisor is there, so it starts there. */
    spawnInside(start) {
      writeFileSync(path.join(cmd, 'cgroup.procs'), '0');
      try {
        return start();
      } finally {
        writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid));
      }
    },
    members: () => cgroupMembers(cmd),
    signal: (sig) => signalEach(cgroupMembers(cmd), sig),
    kill() {
      if (hasKill) return writeFileSync(path.join(cmd, 'cgroup.kill'), '1');
      // Before Linux 5.14: freeze the cgroup so nothing forks while its members are killed, then thaw.
      writeFileSync(path.join(cmd, 'cgroup.freeze'), '1');
      signalEach(cgroupMembers(cmd), 'SIGKILL');
      writeFileSync(path.join(cmd, 'cgroup.freeze'), '0');
    },
    close: () => removeCgroupTree(cmd),
  };
}

/** Init of the trial's PID namespace: every other process in it (and in /proc) is the trial's. */
function openPidNamespace() {
  const members = () =>
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
      .map(Number)
      .filter(running);
  return {
    describe: 'PID namespace (the supervisor is its init)',
    env: {},
    spawnInside: (start) => start(),
    members,
    // kill(-1) from a namespace's init reaches every process in the namespace but the init itself.
    signal: (sig) => signalEach([-1], sig),
    kill: () => signalEach([-1], 'SIGKILL'),
    close() {},
  };
}

/** Descendants found in /proc; `track()` runs every 200 ms so that orphans are recorded before they are reparented. */
function openScan() {
  const mark = randomBytes(12).toString('hex');
  const known = new Map(); // pid -> start time (a reused pid is someone else)
  let root;
  const needle = `SWEEPS_TRIAL_MARK=${mark}`;
  const marked = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle);
    } catch {
      return false;
    }
  };
  /** One pass over /proc; `deep` also reads environments (slower: at stop time only). */
  function track(deep = false) {
    if (root === undefined) return;
    const stats = new Map();
    for (const n of readdirSync('/proc')) {
      if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
      const s = readStat(n);
      if (s) stats.set(Number(n), s);
    }
    for (const [pid, start] of known) if (stats.get(pid)?.start !== start) known.delete(pid);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, s] of stats) {
        if (known.has(pid)) continue;
        const ours =
          pid === root ||
          s.session === root ||
          s.pgrp === root ||
          known.has(s.ppid) ||
          (deep && marked(pid));
        if (ours) {
          known.set(pid, s.start);
          grew = true;
        }
      }
    }
  }
  const members = () => {
    track(true);
    return [...known.keys()].filter(running);
  };
  const tick = setInterval(() => track(), 200);
  return {
    describe: 'process scan (session, group, parentage and an environment mark; no kernel help)',
    env: { SWEEPS_TRIAL_MARK: mark },
    spawnInside(start) {
      const child = start();
      root = child.pid;
      track();
      return child;
    },
    members,
    signal: (sig) => signalEach(members(), sig),
    kill: () => signalEach(members(), 'SIGKILL'),
    close: () => clearInterval(tick),
  };
}

/** The container named by `spec`; a cgroup that cannot be used falls back to the scan (and says why). */
export async function openContainer(spec) {
  if (spec === 'pidns') return openPidNamespace();
  if (spec.startsWith('cgroup:')) {
    try {
      return await openCgroup(spec.slice('cgroup:'.length));
    } catch (err) {
      const scan = openScan();
      return { ...scan, describe: `${scan.describe}, as the cgroup failed: ${err.message}` };
    }
  }
  return openScan();
}
