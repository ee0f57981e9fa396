-- asha's promotion form: a trial can wait at a rung (`paused`) until the rung decides it. Each rung record says
-- what became of its trial there: `promoted`, `paused` or `pruned` (the `promoted` column is kept and mirrors it).
ALTER TYPE "TrialState" ADD VALUE IF NOT EXISTS 'paused' AFTER 'running';

ALTER TABLE "trial_rungs" ADD COLUMN "outcome" TEXT;
UPDATE "trial_rungs" SET "outcome" = CASE WHEN "promoted" THEN 'promoted' ELSE 'pruned' END;
ALTER TABLE "trial_rungs" ALTER COLUMN "outcome" SET NOT NULL;
ALTER TABLE "trial_rungs" ADD CONSTRAINT "trial_rungs_outcome_check" CHECK ("outcome" IN ('promoted', 'paused', 'pruned'));
