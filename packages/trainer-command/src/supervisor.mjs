// The supervisor of one trial process (plain JavaScript: it starts in a few milliseconds under bare node).
// `node supervisor.mjs <grace ms> <watchdog ms> -- command args...`, started by `runDetached` in its own process
// group with a control socket on fd 3. It starts the command in a process group of its own (stdio inherited, so
// output goes straight to the worker), and:
//   - stops the group (SIGTERM, then SIGKILL after the grace) when the worker asks ("stop"), when the control
//     socket closes (the worker died, even by SIGKILL), or when the worker's heartbeats stop (it was frozen with
//     SIGSTOP, or its event loop is stuck), so a trial never runs on beside the next attempt;
//   - once the command exits, stops whatever it left behind in its group (descendants holding stdout), then
//     reports the command's exit on the control socket and exits.
// Messages to the worker are JSON lines: {"pid": N}, {"startError": {"code", "message"}}, {"exit": {"code", "signal"}}.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';

const graceMs = Number(process.argv[2]);
const watchdogMs = Number(process.argv[3]);
const argv = process.argv.slice(process.argv.indexOf('--') + 1);

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => stop());

const control = new Socket({ fd: 3, readable: true, writable: true });
let workerGone = false;
let lastBeat = Date.now();
const send = (msg) => {
  if (!workerGone) control.write(`${JSON.stringify(msg)}\n`);
};
control.on('error', () => {});
control.on('close', () => {
  workerGone = true;
  stop();
});
let pending = '';
control.on('data', (chunk) => {
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    lastBeat = Date.now();
    if (line === 'stop') stop();
  }
});
const watchdog = setInterval(
  () => {
    if (Date.now() - lastBeat > watchdogMs) stop();
  },
  Math.min(250, watchdogMs),
);

/** Members of the process group that are still running (zombies no one reaps do not count). */
function groupMembers(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (err.code === 'ESRCH') return 0;
  }
  let n = 0;
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return 1; // no /proc: trust kill(0)
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') n++;
  }
  return n;
}

function signalGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
  } catch {}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the group, SIGKILL what is left after the grace; resolves when no member runs. */
async function endGroup(pgid) {
  if (groupMembers(pgid) === 0) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupMembers(pgid) > 0) await sleep(25);
  for (let i = 0; i < 40 && groupMembers(pgid) > 0; i++) {
    signalGroup(pgid, 'SIGKILL');
    await sleep(25);
  }
}

let child;
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (child?.pid === undefined) return void process.exit(0);
  void endGroup(child.pid);
}

child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', detached: true });
child.on('spawn', () => send({ pid: child.pid }));
child.on('error', (err) => {
  send({ startError: { code: err.code ?? null, message: err.message } });
  clearInterval(watchdog);
  control.end(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
child.on('exit', async (code, signal) => {
  await endGroup(child.pid); // descendants that outlived the command
  clearInterval(watchdog);
  send({ exit: { code, signal } });
  control.end(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
