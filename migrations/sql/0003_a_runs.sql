-- Runs: one delegated task being carried out by an agent (principal) for a chain, under an intent.
-- A decision that names its run must match the run's principal, chain and intent, and the run must
-- be active and unexpired. Supervision (pause, resume, cancel) changes `status` only.
CREATE TABLE runs (
  id text PRIMARY KEY,
  principal jsonb NOT NULL,
  chain jsonb NOT NULL,
  intent text NOT NULL,
  purpose text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'cancelled', 'completed')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text
);
CREATE INDEX runs_created_at ON runs (created_at);
