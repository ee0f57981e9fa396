-- asha: a final trial state for trials stopped at a rung, and the values recorded at each rung.
ALTER TYPE "TrialState" ADD VALUE IF NOT EXISTS 'pruned';

-- CreateTable
CREATE TABLE "trial_rungs" (
    "trial_id" TEXT NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "checkpoint_id" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "rank" INTEGER NOT NULL,
    "out_of" INTEGER NOT NULL,
    "promoted" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trial_rungs_pkey" PRIMARY KEY ("trial_id","epoch")
);

-- CreateIndex
CREATE INDEX "trial_rungs_sweep_id_checkpoint_id_epoch_idx" ON "trial_rungs"("sweep_id", "checkpoint_id", "epoch");

-- AddForeignKey
ALTER TABLE "trial_rungs" ADD CONSTRAINT "trial_rungs_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial_rungs" ADD CONSTRAINT "trial_rungs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;
