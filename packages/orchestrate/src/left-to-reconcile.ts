/**
 * The follow-up steps a worker runs after PostgreSQL decided (enqueue the promoted trials, add the confirm trials)
 * lose nothing when they fail: the decisions are in PostgreSQL, and the reconcile loop settles, adds and enqueues
 * whatever is left. So a failure is a log line, never an error of the trial's job.
 */
import { lastLine } from '@sweeps/core';

/** Runs `step`; a failure is logged as `<what> left to reconcile: <its last line>`. */
export async function orLeftToReconcile(
  what: string,
  log: (line: string) => void,
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (err) {
    log(`${what} left to reconcile: ${lastLine(err)}`);
  }
}
