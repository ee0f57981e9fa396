/**
 * Idle exit: a worker that has run no trial for `idleMs` leaves, so that a batch allocation (a Slurm job) does not
 * hold its GPUs for nothing. Off unless the worker is started with `--idle-exit <seconds>`.
 */

export interface IdleWatch {
  stop(): void;
}

/**
 * Calls `onIdle` once when `isIdle()` has held at every check (each `checkMs`) for at least `idleMs`; a busy check
 * starts the count again.
 */
export function watchIdle(opts: {
  isIdle: () => boolean;
  idleMs: number;
  onIdle: () => void;
  checkMs?: number;
  now?: () => number;
}): IdleWatch {
  const now = opts.now ?? Date.now;
  let idleSince = now();
  const timer = setInterval(() => {
    if (!opts.isIdle()) {
      idleSince = now();
      return;
    }
    if (now() - idleSince >= opts.idleMs) {
      clearInterval(timer);
      opts.onIdle();
    }
  }, opts.checkMs ?? Math.min(1000, opts.idleMs));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
