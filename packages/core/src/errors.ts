/** Machine-readable error codes; the API maps each to an HTTP status in one place. */
export type DomainErrorCode =
  | 'INVALID_SPEC'
  | 'TOO_MANY_TRIALS'
  | 'SWEEP_NOT_FOUND'
  | 'TRIAL_NOT_FOUND'
  /** A trial attempt asked for by number that recorded no metrics. */
  | 'ATTEMPT_NOT_FOUND'
  | 'SWEEP_CANCELLED'
  | 'INVALID_TRANSITION'
  | 'IDEMPOTENCY_CONFLICT'
  | 'NOTHING_SUCCEEDED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  /** A request the API refuses before any domain rule: unstorable text, forbidden keys, too deep. */
  | 'INVALID_REQUEST'
  /** A request body that is not JSON at all. */
  | 'MALFORMED_JSON'
  /** Too many requests (or failed authentications) from one key or address. */
  | 'RATE_LIMITED'
  /** A parser check ran past its time or memory limit and was stopped (the sample, not the server, is at fault). */
  | 'PARSER_CHECK_TOO_COSTLY'
  /** A key's sweeps or waiting trials would go over its quota (the message names the quota, count and limit). */
  | 'QUOTA_EXCEEDED'
  /** PostgreSQL or Redis did not answer in time; nothing was changed, retry later (Retry-After). */
  | 'UNAVAILABLE';

/** One problem in a request, located by a dotted path into the input (e.g. `space.optimizer.SGD.lr[1]`). */
export interface ErrorIssue {
  path: string;
  message: string;
  /** The offending value when there is one (omitted for missing fields). */
  value?: unknown;
}

/** The one error type of the domain: a code for machines, a sentence for people, and the paths at fault. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly issues: ErrorIssue[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Formats a path array as `a.b[2].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Reads the value at `path` inside `input`, or undefined when the path does not exist. */
export function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}
