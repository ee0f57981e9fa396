/** Test support: what tests of process handling ask about a pid. */
import { readFileSync } from 'node:fs';

/** Alive and not a zombie (in a container nobody may reap an orphan, so a killed one can linger as Z). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
