-- CreateTable
CREATE TABLE "cell_stats" (
    "sweep_id" TEXT NOT NULL,
    "checkpoint_id" TEXT NOT NULL,
    "config_hash" TEXT NOT NULL,
    "optimizer" TEXT NOT NULL,
    "lr" DOUBLE PRECISION NOT NULL,
    "weight_decay" DOUBLE PRECISION NOT NULL,
    "n" INTEGER NOT NULL,
    "mean" DOUBLE PRECISION NOT NULL,
    "m2" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "cell_stats_pkey" PRIMARY KEY ("sweep_id","checkpoint_id","config_hash")
);

-- AddForeignKey
ALTER TABLE "cell_stats" ADD CONSTRAINT "cell_stats_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cell_stats" ADD CONSTRAINT "cell_stats_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill from the trials that already succeeded (finite final metric only, as the reads count them).
INSERT INTO "cell_stats" ("sweep_id", "checkpoint_id", "config_hash", "optimizer", "lr", "weight_decay", "n", "mean", "m2")
SELECT t.sweep_id, t.checkpoint_id, t.config_hash, min(t.optimizer), min(t.lr), min(t.weight_decay), count(*)::int,
       avg(t.final_metric), coalesce(var_samp(t.final_metric) * (count(*) - 1), 0)
FROM "trials" t
WHERE t.state = 'succeeded' AND t.final_metric IS NOT NULL
  AND t.final_metric NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
GROUP BY t.sweep_id, t.checkpoint_id, t.config_hash;
