/** What scripts/gpu-check prints: one JSON line per check, then a summary line. */

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of output: the check's name, its status, and what it found (its own fields). */
export interface CheckLine {
  check: string;
  status: CheckStatus;
  /** Why it failed or was skipped, in words for the person reading the output. */
  reason?: string;
  [field: string]: unknown;
}

export class Report {
  readonly lines: CheckLine[] = [];
  constructor(
    private readonly mode: 'real' | 'fake',
    private readonly write: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  emit(line: CheckLine): void {
    const full = { ...line, mode: this.mode };
    this.lines.push(full);
    this.write(`${JSON.stringify(full)}\n`);
  }

  count(status: CheckStatus): number {
    return this.lines.filter((l) => l.status === status).length;
  }
}

/** Fails with `reason` unless `ok`; the first failed condition names what was wrong. */
export function verdict(
  conditions: Array<[boolean, string]>,
): Pick<CheckLine, 'status' | 'reason'> {
  const failed = conditions.find(([ok]) => !ok);
  return failed ? { status: 'fail', reason: failed[1] } : { status: 'pass' };
}

/** The first line of an error, for a check's line (the rest is the trial's output tail). */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 500);
}
