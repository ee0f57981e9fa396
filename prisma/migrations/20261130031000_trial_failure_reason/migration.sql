-- Why a trial failed, in one word (core's FAILURE_REASONS: diverged, oom, invalid, timeout, lost, failed), stored
-- beside its error text so that reads count and filter failures without matching text. Written by the worker with
-- every failure and cleared with the error. Failed trials stored before this get the word their error text says
-- (the texts the worker and trainers have always written). Other trials keep no reason.
ALTER TABLE "trials" ADD COLUMN "reason" TEXT;
UPDATE "trials" SET "reason" = CASE
    WHEN "error" ILIKE '%diverged%' THEN 'diverged'
    WHEN "error" LIKE 'oom:%' THEN 'oom'
    WHEN "error" LIKE 'timed out after %' THEN 'timeout'
    WHEN "error" LIKE 'gave up after %' THEN 'lost'
    WHEN "error" LIKE 'refused by this worker''s policy%' THEN 'invalid'
    ELSE 'failed' END
WHERE "state" = 'failed';
