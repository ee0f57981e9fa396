-- The epochs counter moves from `trials` to a narrow table of its own: an UPDATE of `trials` on every epoch fired
-- the statement trigger that writes sweep events (for nothing: epochs change no state) and left a dead version of
-- the whole trial row per epoch, which the grid, best and count reads then had to step over.
CREATE TABLE "trial_progress" (
    "trial_id" TEXT NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "metrics_lease" INTEGER NOT NULL,
    "epochs_run" INTEGER NOT NULL,

    CONSTRAINT "trial_progress_pkey" PRIMARY KEY ("trial_id")
);

CREATE INDEX "trial_progress_sweep_id_idx" ON "trial_progress"("sweep_id");

ALTER TABLE "trial_progress" ADD CONSTRAINT "trial_progress_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "trial_progress" ("trial_id", "sweep_id", "metrics_lease", "epochs_run")
SELECT "id", "sweep_id", "metrics_lease", "epochs_run" FROM "trials" WHERE "metrics_lease" IS NOT NULL;

ALTER TABLE "trials" DROP COLUMN "metrics_lease";
ALTER TABLE "trials" DROP COLUMN "epochs_run";
