import { z } from 'zod';
import { TRIAL_STATES } from '@sweeps/core';
import { GridValueSchema } from '@sweeps/api-client/schemas';

export const SweepParams = z.strictObject({
  id: z.string().regex(/^sw_[0-9a-f]{1,32}$/, 'a sweep id like sw_0123abcd…'),
});
export const TrialParams = SweepParams.extend({
  trialId: z.string().regex(/^tr_[0-9a-f]{1,40}$/, 'a trial id like tr_0123abcd…'),
});

/** Any JSON object; the sweep spec itself is checked by the domain, which reports every path with its value. */
export const JsonObjectBody = z
  .record(z.string(), z.unknown())
  .describe('A sweep file as JSON (see docs/sweep-file.md for the format).');

export const ListSweepsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.iso
    .datetime()
    .optional()
    .describe('Only sweeps created before this time (for paging).'),
});

export const ListTrialsQuery = z.strictObject({
  state: z
    .enum(TRIAL_STATES)
    .optional()
    .describe(
      'Only trials in this state (paused: asha stopped them at a rung until enough trials of their checkpoint have reported there)',
    ),
  checkpoint: z.string().max(100).optional(),
  optimizer: z.string().max(40).optional(),
  lr: z.coerce
    .number()
    .optional()
    .describe('Only trials with this lr (one grid cell, with weightDecay)'),
  weightDecay: z.coerce.number().optional(),
  cursor: z
    .string()
    .regex(/^tr_[0-9a-f]{1,40}$/)
    .optional()
    .describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Most epochs in one trial view (db's TRIAL_VIEW_MAX_EPOCHS): the default and largest page. */
const EPOCH_PAGE_MAX = 1_000;

/** A lease number of a trial (a claim's; see `metricLeases`). */
const Lease = z.coerce.number().int().min(1).max(2_147_483_647).optional();

export const TrialQuery = z.strictObject({
  epochs_from: z.coerce
    .number()
    .int()
    .min(0)
    .max(2_147_483_647)
    .optional()
    .describe("Show epochs from this one on (a page's epochsNextFrom); default the first"),
  epochs_limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(EPOCH_PAGE_MAX)
    .optional()
    .describe(`At most this many epochs (default and largest: ${EPOCH_PAGE_MAX})`),
  lease: Lease.describe(
    "Show this lease's epochs (a number from the trial's metricLeases) instead of the latest lease's",
  ),
  attempt: Lease.describe('Deprecated: the first name of `lease` (used when `lease` is absent)'),
});

export const ExportQuery = z.strictObject({
  format: z.enum(['csv', 'md']),
  table: z.enum(['best', 'grid']).default('best'),
  value: GridValueSchema.default('final').describe(
    "final: each trial's last epoch (default); best_epoch: each trial's best epoch of the sweep's metric",
  ),
});

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(200).optional(),
});

export const BestQuery = z.strictObject({
  value: GridValueSchema.default('final').describe(
    "final: rank each trial's last epoch (default); best_epoch: each trial's best epoch of the sweep's metric",
  ),
});

export const GridQuery = z.strictObject({
  value: GridValueSchema.default('final').describe(
    "final: each trial's last epoch (default); best_epoch: each trial's best epoch of the sweep's metric",
  ),
});
