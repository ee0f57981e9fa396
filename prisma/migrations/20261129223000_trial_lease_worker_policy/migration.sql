-- Each claim of a trial takes a new lease, and every write of an attempt names its lease, so a stale attempt
-- (a worker that was stopped or lost its job) cannot write epochs or a result over the current one.
ALTER TABLE "trials" ADD COLUMN "lease" INTEGER NOT NULL DEFAULT 0;

-- What a worker accepts (commands, environment names, working directories), published when it registers.
ALTER TABLE "workers" ADD COLUMN "policy" JSONB;
