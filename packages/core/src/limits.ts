/**
 * Bounds on what one sweep may ask for, beyond the shape its schema checks: the epochs of one trial (a trainer
 * that reports more is stopped by the worker), and which `fixed` keys name those epochs. The API and the worker
 * each read their cap from their settings (`SWEEPS_MAX_EPOCHS_PER_TRIAL`); these are the defaults and the ceiling.
 */
import { z } from 'zod';

/** Default most epochs one trial may run: `fixed.epochs` above it is refused, a trainer reporting more is stopped. */
export const DEFAULT_MAX_EPOCHS_PER_TRIAL = 1_000;

/** The highest epoch cap a server may be configured with (an epoch number well inside PostgreSQL's integer). */
export const MAX_EPOCHS_CEILING = 1_000_000;

/** `SWEEPS_MAX_EPOCHS_PER_TRIAL`, the same setting on the API and on workers. */
export const MaxEpochsPerTrialSettingSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_EPOCHS_CEILING)
  .default(DEFAULT_MAX_EPOCHS_PER_TRIAL);

/**
 * `fixed` keys that give a trial's epoch count (`max_epochs` is MMDetection's name); whole numbers when set (0: a
 * trainer that only evaluates, as the `noop` benchmarks use).
 */
export const EPOCH_KEYS = ['epochs', 'max_epochs'] as const;

/** Why `value` of `fixed.<key>` is not an epoch count within `cap`, or null. */
export function refuseEpochCount(value: unknown, cap: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    return 'must be a whole number of epochs (0 or more)';
  if (value > cap)
    return `at most ${cap.toLocaleString('en-US')} epochs per trial on this server (its SWEEPS_MAX_EPOCHS_PER_TRIAL)`;
  return null;
}
