/**
 * Stopping a trial's child process together with everything it started: trainers spawn their child `detached`
 * (its own process group), and an abort signals the whole group, SIGTERM first and SIGKILL after a grace period.
 * Shared by the `command` trainer and the `tfjs` trainer (which runs each trial in a child Node process).
 */
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` to the child's process group (the child alone where the group is gone); no-op once it exited. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * On `signal`'s abort, SIGTERM the child's group, then SIGKILL it `graceMs` later if it is still there.
 * @returns a function to call once the child has exited (removes the listener and the pending SIGKILL).
 */
export function stopGroupOnAbort(
  child: ChildProcess,
  signal: AbortSignal,
  graceMs: number,
): () => void {
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    killGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    killTimer.unref();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
  };
}
