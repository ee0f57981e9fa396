-- Affinity: which worker stored a trial's newest epoch (its trial directory holds the newest snapshot), and how
-- many slots each worker had free at its last heartbeat.
ALTER TABLE "trial_progress" ADD COLUMN "snapshot_worker_id" TEXT;
ALTER TABLE "workers" ADD COLUMN "free_slots" INTEGER;
