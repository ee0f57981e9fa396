/**
 * The poison trainer's own journal (test/fixtures/poison-trainer.mjs), read back as executions: what ran, under
 * which attempt and lease, how it ended, and whether it found another execution of its trial still alive.
 */
import { readFileSync } from 'node:fs';

export interface Execution {
  trialId: string;
  attempt: string;
  /** Unique to one claim of the trial: two executions under one lease are one attempt run twice. */
  lease: string;
  pid: number;
  mode: string;
  /** The exit code the trainer wrote (0: it ran to the end), or null: it was killed without a word. */
  exitCode: number | null;
}

export interface Journal {
  executions: Execution[];
  /** Executions that started while another execution of the same trial was still alive. */
  overlaps: string[];
}

export function readJournal(file: string): Journal {
  const executions = new Map<number, Execution>();
  const overlaps: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [, trialId, attempt, lease, pid, what, ...rest] = line.split(' ');
    if (!trialId || !what || !attempt || !lease || !pid) continue;
    if (what === 'start')
      executions.set(Number(pid), {
        trialId,
        attempt,
        lease,
        pid: Number(pid),
        mode: rest[0] ?? '',
        exitCode: null,
      });
    else if (what === 'finish') {
      const e = executions.get(Number(pid));
      if (e) e.exitCode = Number(rest[0]);
    } else if (what === 'DUPLICATE') overlaps.push(`${trialId} (pid ${pid} beside ${rest[1]})`);
  }
  return { executions: [...executions.values()], overlaps };
}

/** Executions that share a trial and lease with an earlier one: one claim that ran its trainer twice. */
export function repeatedLeases(executions: Execution[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const e of executions) {
    const key = `${e.trialId} lease ${e.lease}`;
    if (seen.has(key)) repeated.push(key);
    seen.add(key);
  }
  return repeated;
}
