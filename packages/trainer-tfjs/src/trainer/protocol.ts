/**
 * The JSON-line protocol between a trial process (`bin/train-child.ts`) and `createTfjsTrainer`, on the child's
 * stdout: `{"epoch": 1, "loss": ..., "lr": ...}` per epoch (the `command` trainer's format, so `npm run train`
 * output can be piped anywhere), then `{"final": {...}, "backend": ..., "device": ...}` or
 * `{"error": {"reason": ..., "message": ...}}`. Any other line is log output.
 */

import type { PermanentTrialError } from '@sweeps/core';
import { DIVERGED_EXIT_CODE, parseJsonObjectLine, toMetricNumber } from '@sweeps/trainer-command';

/** How a trial process failed: a permanent failure's reason (core's), or `transient` (worth a retry). */
export type ChildFailure = PermanentTrialError['reason'] | 'transient';

/** Exit codes of the trial process, one per failure kind (the error line says which, too). */
export const EXIT = {
  ok: 0,
  transient: 1,
  invalid: 2,
  diverged: DIVERGED_EXIT_CODE,
  failed: 4,
  oom: 5,
} as const satisfies Record<ChildFailure | 'ok', number>;

/** Own keys only: `in` would also accept names inherited from Object's prototype (`toString`, ...). */
function isPermanentReason(reason: unknown): reason is PermanentTrialError['reason'] {
  return (
    typeof reason === 'string' &&
    Object.hasOwn(EXIT, reason) &&
    reason !== 'ok' &&
    reason !== 'transient'
  );
}

/** A parsed protocol line. */
export type ChildMessage =
  | { type: 'epoch'; epoch: number; metrics: Record<string, number> }
  | { type: 'final'; metrics: Record<string, number>; backend: string; device: string }
  | { type: 'error'; reason: ChildFailure; message: string };

/** JSON has no NaN or Infinity: encode them as strings so a diverged metric stays visible. */
function encodeNumbers(metrics: Record<string, number>): Record<string, number | string> {
  return Object.fromEntries(
    Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)]),
  );
}

/** Read back with the command trainer's one rule for metric values (so both trainers agree on "Infinity"). */
function decodeNumbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    const n = toMetricNumber(v);
    if (n !== null) out[k] = n;
  }
  return out;
}

/** The stdout line of one epoch. */
export function epochLine(epoch: number, metrics: Record<string, number>): string {
  return JSON.stringify({ epoch, ...encodeNumbers(metrics) });
}

/** The stdout line of a finished trial. */
export function finalLine(
  metrics: Record<string, number>,
  backend: string,
  device: string,
): string {
  return JSON.stringify({ final: encodeNumbers(metrics), backend, device });
}

/** The stdout line of a failed trial. */
export function errorLine(reason: ChildFailure, message: string): string {
  return JSON.stringify({ error: { reason, message } });
}

/** Parses one stdout line; null for log output. */
export function parseChildLine(line: string): ChildMessage | null {
  const obj = parseJsonObjectLine(line);
  if (!obj) return null;
  if (typeof obj['epoch'] === 'number' && Number.isInteger(obj['epoch'])) {
    const { epoch, ...rest } = obj;
    return { type: 'epoch', epoch: epoch as number, metrics: decodeNumbers(rest) };
  }
  if (obj['final'] !== undefined) {
    return {
      type: 'final',
      metrics: decodeNumbers(obj['final']),
      backend: String(obj['backend'] ?? ''),
      device: String(obj['device'] ?? ''),
    };
  }
  const error = obj['error'] as { reason?: unknown; message?: unknown } | undefined;
  if (error && typeof error === 'object') {
    const reason = isPermanentReason(error.reason) ? error.reason : 'transient';
    return { type: 'error', reason, message: String(error.message ?? '') };
  }
  return null;
}
