/**
 * The journal of test/fixtures/host-trainer.mjs, read back as executions: which host ran which epochs of which
 * trial, from when to when, and which executions of one trial were alive at the same time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Line {
  t: number;
  host: string;
  trial: string;
  lease: number;
  run: string;
  what: 'start' | 'epoch' | 'end' | 'stopped';
  epoch?: number;
}

export interface Execution {
  host: string;
  trial: string;
  lease: number;
  /** The execution's own id. */
  run: string;
  /** When it started, and its last line: it was alive at least over [from, to] (at most one epoch longer). */
  from: number;
  to: number;
  /** The first epoch it would run (1, or the one after the snapshot it resumed from). */
  first: number;
  /** The epochs it finished, in order. */
  epochs: number[];
  /** It ran to its last epoch. */
  ended: boolean;
  /** It wrote its last line on the way out (it ran to the end or stopped on SIGTERM): `to` is when it exited. */
  closed: boolean;
}

export interface HostJournal {
  executions: Execution[];
}

export function readHostJournal(dir: string): HostJournal {
  const file = path.join(dir, 'journal.jsonl');
  const byRun = new Map<string, Execution>();
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  for (const raw of lines) {
    const l = JSON.parse(raw) as Line;
    let e = byRun.get(l.run);
    if (!e) {
      e = {
        host: l.host,
        trial: l.trial,
        lease: l.lease,
        run: l.run,
        from: l.t,
        to: l.t,
        first: 0,
        epochs: [],
        ended: false,
        closed: false,
      };
      byRun.set(l.run, e);
    }
    e.to = Math.max(e.to, l.t);
    if (l.what === 'start') e.first = l.epoch!;
    if (l.what === 'epoch') e.epochs.push(l.epoch!);
    if (l.what === 'end') e.ended = true;
    if (l.what === 'end' || l.what === 'stopped') e.closed = true;
  }
  return { executions: [...byRun.values()] };
}

/** Executions of `trial`, in the order they started. */
export function executionsOf(journal: HostJournal, trial: string): Execution[] {
  return journal.executions.filter((e) => e.trial === trial).sort((a, b) => a.from - b.from);
}

/**
 * Pairs of executions of one trial whose lives overlap: the later one started before the earlier one's last line
 * (plus `slackMs`, the most an execution can live past its last line without a word: one epoch).
 */
export function overlapping(journal: HostJournal, slackMs: number): string[] {
  const found: string[] = [];
  const trials = new Set(journal.executions.map((e) => e.trial));
  for (const trial of trials) {
    const runs = executionsOf(journal, trial);
    // the execution seen alive last so far, and until when
    let latest: { e: Execution; end: number } | undefined;
    for (const cur of runs) {
      if (latest && cur.from < latest.end)
        found.push(
          `${trial}: ${cur.host} (lease ${cur.lease}) started ${latest.end - cur.from} ms before ${latest.e.host} (lease ${latest.e.lease}) was seen to stop`,
        );
      const end = cur.closed ? cur.to : cur.to + slackMs;
      if (!latest || end > latest.end) latest = { e: cur, end };
    }
  }
  return found;
}

/** The hosts that ran at least one epoch. */
export function hostsThatRan(journal: HostJournal): Set<string> {
  return new Set(journal.executions.filter((e) => e.epochs.length > 0).map((e) => e.host));
}
