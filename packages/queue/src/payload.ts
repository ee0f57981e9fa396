import { z } from 'zod';

/** The one job payload: which trial to run. Everything else is read from PostgreSQL, the source of truth. */
export const TrialJobSchema = z.strictObject({
  trialId: z.string().regex(/^tr_[0-9a-f]+$/),
  sweepId: z.string().regex(/^sw_[0-9a-f]+$/),
});
export type TrialJob = z.infer<typeof TrialJobSchema>;

/** A cancellation broadcast to every worker. */
export const CancelMessageSchema = z.strictObject({
  sweepId: z.string(),
  trialIds: z.array(z.string()),
});
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
