/**
 * The parser check as it runs inside a worker thread of the API (see parser-service.ts): the sample goes through
 * `checkLog`, and the answer is bounded before it is sent back, so neither the matching nor the response can hold
 * the API's event loop. Errors come back as values: a thread boundary drops the class of a thrown DomainError.
 */
import type { MessagePort } from 'node:worker_threads';
import { DomainError, type ErrorIssue } from '@sweeps/core';
import { checkLog, type LogCheck } from '@sweeps/trainer-mmdet/spec';

/** Most metric values in one answer (a small pattern can read many values from a 1 MiB sample). */
export const MAX_SHOWN_VALUES = 10_000;

export interface ParserCheckInput {
  parser: string;
  sample: string;
  metric: string;
}

export type ParserCheckOutcome =
  | { ok: true; check: LogCheck }
  | { ok: false; code: DomainError['code']; message: string; issues: ErrorIssue[] };

/** Keeps the first epochs up to {@link MAX_SHOWN_VALUES} metric values and says so in the message. */
export function boundCheck(check: LogCheck): LogCheck {
  let values = 0;
  let shown = 0;
  for (const e of check.epochs) {
    values += Object.keys(e.metrics).length;
    if (values > MAX_SHOWN_VALUES) break;
    shown++;
  }
  if (shown === check.epochs.length) return check;
  return {
    ...check,
    epochs: check.epochs.slice(0, shown),
    message: `${check.message}; the first ${shown} of ${check.epochs.length} epochs are shown (at most ${MAX_SHOWN_VALUES} values)`,
  };
}

/**
 * The worker thread's task (piscina calls the default export of parser-check-thread.mjs). It first tells the
 * API's thread through `started` that it has begun: the check's time limit counts from there.
 */
export function runParserCheck(
  input: ParserCheckInput & { started?: MessagePort },
): ParserCheckOutcome {
  input.started?.postMessage('started');
  input.started?.close();
  try {
    return { ok: true, check: boundCheck(checkLog(input.parser, input.sample, input.metric)) };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { ok: false, code: err.code, message: err.message, issues: err.issues };
  }
}
