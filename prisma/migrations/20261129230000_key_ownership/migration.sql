-- Keys and ownership: an `admin` scope (may steer every sweep), the key that created each sweep, and
-- Idempotency-Keys scoped per API key (two keys may use the same Idempotency-Key without meeting).
ALTER TYPE "KeyScope" ADD VALUE IF NOT EXISTS 'admin';

ALTER TABLE "sweeps" ADD COLUMN "created_by_key_id" TEXT;
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_created_by_key_id_fkey" FOREIGN KEY ("created_by_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;

DROP INDEX "sweeps_idempotency_key_key";
CREATE UNIQUE INDEX "sweeps_created_by_key_id_idempotency_key_key" ON "sweeps"("created_by_key_id", "idempotency_key");
