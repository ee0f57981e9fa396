-- CreateEnum
CREATE TYPE "TrialState" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "SweepStatus" AS ENUM ('active', 'cancelled');

-- CreateEnum
CREATE TYPE "KeyScope" AS ENUM ('read', 'write');

-- CreateTable
CREATE TABLE "sweeps" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "metric_name" TEXT NOT NULL,
    "metric_goal" TEXT NOT NULL,
    "trainer_kind" TEXT NOT NULL,
    "status" "SweepStatus" NOT NULL DEFAULT 'active',
    "idempotency_key" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "id" TEXT NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "format" TEXT,
    "prefix" TEXT,
    "baseline" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trials" (
    "id" TEXT NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "checkpoint_id" TEXT NOT NULL,
    "config_hash" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "optimizer" TEXT NOT NULL,
    "lr" DOUBLE PRECISION NOT NULL,
    "weight_decay" DOUBLE PRECISION NOT NULL,
    "seed" INTEGER NOT NULL,
    "state" "TrialState" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "worker_id" TEXT,
    "final_metric" DOUBLE PRECISION,
    "final_metrics" JSONB,
    "error" TEXT,
    "output_tail" TEXT,
    "backend" TEXT,
    "device" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "trials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trial_metrics" (
    "trial_id" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trial_metrics_pkey" PRIMARY KEY ("trial_id","epoch","name")
);

-- CreateTable
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "slots" INTEGER NOT NULL,
    "devices" JSONB NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heartbeat_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMP(3),

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "scope" "KeyScope" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweeps_created_at_idx" ON "sweeps"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "sweeps_idempotency_key_key" ON "sweeps"("idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "checkpoints_sweep_id_name_key" ON "checkpoints"("sweep_id", "name");

-- CreateIndex
CREATE INDEX "trials_sweep_id_state_idx" ON "trials"("sweep_id", "state");

-- CreateIndex
CREATE INDEX "trials_state_idx" ON "trials"("state");

-- CreateIndex
CREATE UNIQUE INDEX "trials_sweep_id_checkpoint_id_config_hash_seed_key" ON "trials"("sweep_id", "checkpoint_id", "config_hash", "seed");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- AddForeignKey
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trials" ADD CONSTRAINT "trials_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trials" ADD CONSTRAINT "trials_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial_metrics" ADD CONSTRAINT "trial_metrics_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;
