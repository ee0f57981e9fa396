// The supervisor of one trial process (plain JavaScript: it starts in a few milliseconds under bare node).
// `node supervisor.mjs <grace ms> <watchdog ms> <container> -- command args...`, started by `runDetached` in its own
// process group with a control socket on fd 3. It starts the command in a container (containers.mjs: a cgroup v2,
// a PID namespace, or a /proc scan) that holds every process the command starts, whatever it does to its session
// or process group, in a process group of its own (stdio inherited, so output goes straight to the worker), and:
//   - stops the trial's processes (SIGTERM, then SIGKILL after the grace) when the worker asks ("stop"), when the
//     control socket closes (the worker died, even by SIGKILL), or when the worker's heartbeats stop (it was
//     frozen with SIGSTOP, or its event loop is stuck), so a trial never runs on beside the next attempt;
//   - once the command exits, stops whatever it left behind (descendants holding stdout, daemons in sessions of
//     their own), then reports the command's exit on the control socket and exits.
// Messages to the worker are JSON lines: {"contained": "how"}, {"pid": N} (in a PID namespace: its pid there),
// {"startError": {"code", "message"}}, {"exit": {"code", "signal"}}.
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { openContainer } from './containers.mjs';

const graceMs = Number(process.argv[2]);
const watchdogMs = Number(process.argv[3]);
const containerSpec = process.argv[4];
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM every process of the trial, SIGKILL what is left after the grace; resolves when none runs. */
async function endTrial() {
  if (container.members().length === 0) return;
  container.signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && container.members().length > 0) await sleep(25);
  for (let i = 0; i < 40 && container.members().length > 0; i++) {
    container.kill();
    await sleep(25);
  }
}

let child;
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (child?.pid === undefined) return void process.exit(0);
  void endTrial();
}

function finish(msg) {
  container?.close();
  clearInterval(watchdog);
  send(msg);
  control.end(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

const container = await openContainer(containerSpec);
send({ contained: container.describe });
child = container.spawnInside(() =>
  spawn(argv[0], argv.slice(1), {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, ...container.env },
  }),
);
child.on('spawn', () => send({ pid: child.pid }));
child.on('error', (err) =>
  finish({ startError: { code: err.code ?? null, message: err.message } }),
);
child.on('exit', async (code, signal) => {
  await endTrial(); // descendants that outlived the command, whatever session or group they moved to
  finish({ exit: { code, signal } });
});
