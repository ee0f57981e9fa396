-- Sweep events: one row per (statement, sweep, new state) of trials, written by triggers so every writer (API,
-- worker, reconcile loop) is covered, and announced with NOTIFY for the API's server-sent-events route. Rows are
-- kept for an hour so a reconnecting browser can be replayed what it missed (Last-Event-ID).
CREATE TABLE "sweep_events" (
    "id" BIGSERIAL NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "trial_id" TEXT,
    "state" TEXT,
    "n" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweep_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "sweep_events_sweep_id_id_idx" ON "sweep_events"("sweep_id", "id");
CREATE INDEX "sweep_events_at_idx" ON "sweep_events"("at");

-- Statement-level triggers with transition tables: a cancel of 10,000 trials is one event, not 10,000.
-- The bodies are E'' strings with \x3b for each semicolon: the migration runner splits scripts at every
-- semicolon, quoted or not.
CREATE FUNCTION "sweeps_trial_state_events"() RETURNS trigger LANGUAGE plpgsql AS E'DECLARE
  e record\x3b
BEGIN
  FOR e IN
    INSERT INTO sweep_events (sweep_id, trial_id, state, n)
    SELECT n.sweep_id, CASE WHEN count(*) = 1 THEN min(n.id) END, n.state::text, count(*)::int
    FROM new_trials n JOIN old_trials o ON o.id = n.id
    WHERE o.state IS DISTINCT FROM n.state
    GROUP BY n.sweep_id, n.state
    RETURNING *
  LOOP
    PERFORM pg_notify(\'sweep_events\', json_build_object(\'id\', e.id::text, \'sweepId\', e.sweep_id,
      \'trialId\', e.trial_id, \'state\', e.state, \'n\', e.n, \'at\', e.at)::text)\x3b
  END LOOP\x3b
  RETURN NULL\x3b
END';

CREATE FUNCTION "sweeps_trial_insert_events"() RETURNS trigger LANGUAGE plpgsql AS E'DECLARE
  e record\x3b
BEGIN
  FOR e IN
    INSERT INTO sweep_events (sweep_id, trial_id, state, n)
    SELECT n.sweep_id, CASE WHEN count(*) = 1 THEN min(n.id) END, n.state::text, count(*)::int
    FROM new_trials n
    GROUP BY n.sweep_id, n.state
    RETURNING *
  LOOP
    PERFORM pg_notify(\'sweep_events\', json_build_object(\'id\', e.id::text, \'sweepId\', e.sweep_id,
      \'trialId\', e.trial_id, \'state\', e.state, \'n\', e.n, \'at\', e.at)::text)\x3b
  END LOOP\x3b
  RETURN NULL\x3b
END';

CREATE TRIGGER "trials_state_events" AFTER UPDATE ON "trials"
  REFERENCING OLD TABLE AS old_trials NEW TABLE AS new_trials
  FOR EACH STATEMENT EXECUTE FUNCTION "sweeps_trial_state_events"();

CREATE TRIGGER "trials_insert_events" AFTER INSERT ON "trials"
  REFERENCING NEW TABLE AS new_trials
  FOR EACH STATEMENT EXECUTE FUNCTION "sweeps_trial_insert_events"();
