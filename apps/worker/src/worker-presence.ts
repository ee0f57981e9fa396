/**
 * A worker's presence in PostgreSQL: its registration (slots, devices, policy), renewed by a heartbeat; the API and
 * reconcile read a worker without a recent heartbeat as gone.
 */
import {
  type Db,
  heartbeatWorker,
  registerWorker,
  settleTrialsOfPreviousLife,
  type WorkerRegistration,
} from '@sweeps/db';
import { lastLine } from '@sweeps/core';

/**
 * Registers this life of the worker. An earlier life under the same id died with trials running: they are not
 * running any more, whatever its (fresh) heartbeat would say, so they go back to the queue before this life
 * registers.
 */
export async function registerNewLife(
  db: Db,
  registration: WorkerRegistration,
  log: (line: string) => void,
): Promise<void> {
  const settled = await settleTrialsOfPreviousLife(db, registration.id);
  if (settled > 0) log(`settled ${settled} trial(s) left running by this worker's previous run`);
  await registerWorker(db, registration);
}

/**
 * Heartbeats every `everyMs`; a failed heartbeat registers again (the row may be gone), and only a failed
 * registration is logged. Returns a stop function.
 */
export function startHeartbeat(
  db: Db,
  registration: WorkerRegistration,
  everyMs: number,
  log: (line: string) => void,
): () => void {
  const timer = setInterval(() => {
    heartbeatWorker(db, registration.id).catch(() =>
      registerWorker(db, registration).catch((err) => log(`heartbeat failed: ${lastLine(err)}`)),
    );
  }, everyMs);
  return () => clearInterval(timer);
}
