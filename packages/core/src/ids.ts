/** Identifiers. Trial ids are derived from the trial's identity, so inserting or enqueuing twice is harmless. */
import { shortHash } from './canonical-json.ts';

/** A sweep id: `sw_` + 16 hex characters from the given random source (crypto in production, fixed in tests). */
export function newSweepId(randomHex: string): string {
  return `sw_${randomHex.slice(0, 16)}`;
}

/** The trial id for (sweep, checkpoint, config hash, seed): the same identity always gives the same id. */
export function trialIdOf(
  sweepId: string,
  checkpointName: string,
  configHash: string,
  seed: number,
): string {
  return `tr_${shortHash(`${sweepId}\u0000${checkpointName}\u0000${configHash}\u0000${seed}`, 20)}`;
}

/** The checkpoint row id inside a sweep. */
export function checkpointIdOf(sweepId: string, checkpointName: string): string {
  return `ck_${shortHash(`${sweepId}\u0000${checkpointName}`, 16)}`;
}
