-- History: what each allowed action touched, kept by PEA itself (never written by callers).
-- Policies see it as context.history at three scopes (this run, these agents, this human) over a
-- look-back window, plus the duties already performed on a business object (separation of duties).

-- One row per allowed decision whose resource carries labels (segment, issuers, MNPI, classification,
-- patient, compartment ...). `agents` are every agent link of the chain; `human` the outermost user.
CREATE TABLE touches (
  decision_id text PRIMARY KEY,
  at timestamptz NOT NULL,
  run_id text,
  agents text[] NOT NULL,
  human text,
  labels text[] NOT NULL,
  -- the API key that asked: only it may report the outcome
  api_key_id text,
  -- set when the caller reported the action did not execute (failed, aborted)
  undone boolean NOT NULL DEFAULT false
);
CREATE INDEX touches_run ON touches (run_id, at) WHERE run_id IS NOT NULL AND NOT undone;
CREATE INDEX touches_human ON touches (human, at) WHERE human IS NOT NULL AND NOT undone;
CREATE INDEX touches_agents ON touches USING gin (agents) WHERE NOT undone;

-- One row per allowed action on a business object (a resource type the caller describes, e.g. a
-- Payment): who performed which duty (the action's verb: initiate, approve, release).
CREATE TABLE object_duties (
  decision_id text PRIMARY KEY,
  at timestamptz NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  duty text NOT NULL,
  users text[] NOT NULL,
  agents text[] NOT NULL,
  api_key_id text,
  undone boolean NOT NULL DEFAULT false
);
CREATE INDEX object_duties_object ON object_duties (object_type, object_id);

-- What the caller reported about an allowed decision: executed, failed or aborted. Once per decision.
CREATE TABLE decision_outcomes (
  decision_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('executed', 'failed', 'aborted')),
  detail text,
  reported_at timestamptz NOT NULL,
  reported_by text
);
