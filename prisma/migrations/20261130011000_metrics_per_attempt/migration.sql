-- Metrics per attempt: every metric row names the attempt (the claim's lease) that wrote it, so retrying a trial
-- never mixes a failed attempt's epochs with the new attempt's, and the earlier attempts stay readable.
-- Existing rows are assigned to their trial's current attempt.
ALTER TABLE "trial_metrics" ADD COLUMN "lease" INTEGER;
UPDATE "trial_metrics" m SET "lease" = t."lease" FROM "trials" t WHERE t."id" = m."trial_id";
ALTER TABLE "trial_metrics" ALTER COLUMN "lease" SET NOT NULL;
ALTER TABLE "trial_metrics" DROP CONSTRAINT "trial_metrics_pkey";
ALTER TABLE "trial_metrics" ADD CONSTRAINT "trial_metrics_pkey" PRIMARY KEY ("trial_id", "lease", "epoch", "name");

-- The attempt whose epochs reads show, and how many epochs it recorded (kept by each epoch write): a sweep's
-- epochs run is then a sum over its trials instead of a DISTINCT over every metric row.
ALTER TABLE "trials" ADD COLUMN "metrics_lease" INTEGER;
ALTER TABLE "trials" ADD COLUMN "epochs_run" INTEGER NOT NULL DEFAULT 0;
UPDATE "trials" t SET "metrics_lease" = e."lease", "epochs_run" = e."n"
FROM (SELECT "trial_id", max("lease") AS "lease", count(DISTINCT "epoch")::int AS "n" FROM "trial_metrics" GROUP BY 1) e
WHERE e."trial_id" = t."id";
