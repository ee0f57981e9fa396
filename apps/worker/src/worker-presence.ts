/**
 * A worker's presence in PostgreSQL: its registration (slots, devices, policy), renewed by a heartbeat; the API and
 * reconcile read a worker without a recent heartbeat as gone. The row is owned by one process: registration writes
 * a random token, and heartbeats and the stop mark apply only while the row still holds it, so a second process
 * started with the same id is refused at start and can never mark the live one stopped.
 */
import { randomBytes } from 'node:crypto';
import {
  claimWorkerId,
  type Db,
  heartbeatWorker,
  settleTrialsOfPreviousLife,
  stopWorker,
  type WorkerIdHolder,
  type WorkerRegistration,
} from '@sweeps/db';
import { lastLine } from '@sweeps/core';

/** A registration owned by this process: its token names it in every heartbeat and in the stop mark. */
export type OwnedRegistration = WorkerRegistration & { token: string };

/** A new token for this process's registration. */
export function newWorkerToken(): string {
  return randomBytes(16).toString('hex');
}

/** Thrown when a live process already holds the worker id; the message says who and what to do. */
export class WorkerIdInUse extends Error {
  constructor(id: string, holder: WorkerIdHolder, lostAfterMs: number) {
    const ageS = Math.max(0, Math.round((Date.now() - holder.lastHeartbeatAt.getTime()) / 1000));
    super(
      `the worker id "${id}" is in use by a live worker (pid ${holder.pid} on host ${holder.host}, last heartbeat ${ageS} s ago). Start this worker with another --id (or none: a unique one is made up), or stop that worker first; a worker that died frees its id once it is lost (no heartbeat for ${Math.round(lostAfterMs / 1000)} s, SWEEPS_WORKER_LOST_MS).`,
    );
    this.name = 'WorkerIdInUse';
  }
}

/**
 * Whether the process `holder` names is gone: it ran on this host and no process has its pid now (or this one
 * has it: a restarted container). On another host it cannot be known: it counts as live until it is lost.
 */
export function holderIsGone(holder: WorkerIdHolder, host: string): boolean {
  if (holder.host !== host) return false;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Registers this life of the worker, unless a live process holds its id (throws {@link WorkerIdInUse}); a holder
 * that was a process of this host and is gone (the worker crashed and was restarted under its id) does not count.
 * An earlier life under the same id died with trials running: they are not running any more, so once the id is
 * this process's they go back to the queue.
 */
export async function registerNewLife(
  db: Db,
  registration: OwnedRegistration,
  lostAfterMs: number,
  log: (line: string) => void,
): Promise<void> {
  let holder = await claimWorkerId(db, registration, lostAfterMs);
  if (holder && holderIsGone(holder, registration.host))
    holder = await claimWorkerId(db, registration, lostAfterMs, holder);
  if (holder) throw new WorkerIdInUse(registration.id, holder, lostAfterMs);
  const settled = await settleTrialsOfPreviousLife(db, registration.id);
  if (settled > 0) log(`settled ${settled} trial(s) left running by this worker's previous run`);
}

/** What the heartbeat does besides renewing the row. */
export interface HeartbeatOptions {
  everyMs: number;
  lostAfterMs: number;
  /** The slots free now, published with each heartbeat (affinity: a trial waits only for a worker with one). */
  freeSlots: () => number;
  log: (line: string) => void;
  /** Another live process holds the id now (this one was lost meanwhile): this worker must leave. */
  onIdTaken: (err: WorkerIdInUse) => void;
}

/**
 * Heartbeats every `everyMs` under the registration's token. A heartbeat that finds the row gone, or no longer this
 * process's, registers again when the id is free; when a live process holds it, `onIdTaken` is told (once). A
 * failed write is logged. Returns a stop function.
 */
export function startHeartbeat(
  db: Db,
  registration: OwnedRegistration,
  opts: HeartbeatOptions,
): () => void {
  let taken = false;
  const beat = async () => {
    if (await heartbeatWorker(db, registration.id, registration.token, opts.freeSlots())) return;
    const holder = await claimWorkerId(db, registration, opts.lostAfterMs);
    if (holder && !taken) {
      taken = true;
      opts.onIdTaken(new WorkerIdInUse(registration.id, holder, opts.lostAfterMs));
    }
  };
  const timer = setInterval(() => {
    if (!taken) beat().catch((err) => opts.log(`heartbeat failed: ${lastLine(err)}`));
  }, opts.everyMs);
  return () => clearInterval(timer);
}

/** Marks this process's row stopped; a row another process holds now is left alone. */
export async function markStopped(db: Db, registration: OwnedRegistration): Promise<void> {
  await stopWorker(db, registration.id, registration.token);
}
