-- A worker's row is owned by the process that registered it: heartbeats and the stop mark name its token.
ALTER TABLE "workers" ADD COLUMN "token" TEXT;
