-- Runtime trust (issue 5): artifact signing keys, revocations, approvals, artifact redemptions.
--
-- Signing keys and revocations are cached by every PDP process; any change to them bumps
-- trust_version and notifies on pea_changes ("trust:<version>"), so a revocation made through one
-- PDP reaches every other one at once. Run status changes (pause/resume/cancel) notify "runs:<id>".

INSERT INTO pea_state (key, value) VALUES ('trust_version', 1);

-- Ed25519 keys that sign authorization artifacts. The newest key without retires_at signs; a
-- rotated-out key keeps being published (JWKS) until retires_at, so artifacts it signed still
-- verify. private_key is the private JWK, either plain JSON or "enc:v1:..." (AES-256-GCM under
-- PEA_SIGNING_KEY_PASSPHRASE); it never leaves the server.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL DEFAULT 'EdDSA',
  public_jwk jsonb NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retires_at timestamptz
);

-- Kill switches. A revocation is permanent; later decisions about the target deny, and unredeemed
-- artifacts naming it fail redemption.
CREATE TABLE revocations (
  id text PRIMARY KEY,
  target_type text NOT NULL CHECK (target_type IN ('Agent', 'Run', 'Intent', 'Grant', 'Artifact')),
  target_id text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  api_key_id text,
  user_id text
);
CREATE INDEX revocations_target ON revocations (target_type, target_id);

CREATE TRIGGER signing_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('trust_version', 'trust');
CREATE TRIGGER revocations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON revocations
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('trust_version', 'trust');

-- Human approvals. One open (pending or approved, unused) approval per exact request: asking
-- again returns it. request_digest binds principal, chain, intent, action, resource and context.
CREATE TABLE approvals (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'used')),
  request_digest text NOT NULL,
  principal jsonb NOT NULL,
  chain jsonb NOT NULL,
  intent text,
  run_id text,
  action text NOT NULL,
  resource jsonb NOT NULL,
  context jsonb NOT NULL,
  requirements jsonb NOT NULL,
  decision_id text,
  api_key_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  reason text,
  used_at timestamptz,
  used_by_decision text
);
CREATE UNIQUE INDEX approvals_open ON approvals (request_digest) WHERE status IN ('pending', 'approved');
CREATE INDEX approvals_status ON approvals (status, created_at);

CREATE TABLE approval_votes (
  approval_id text NOT NULL REFERENCES approvals (id),
  user_id text NOT NULL,
  vote text NOT NULL CHECK (vote IN ('approve', 'reject')),
  reason text,
  api_key_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, user_id)
);

-- Each artifact is redeemed at most once (the primary key is the replay guard).
CREATE TABLE artifact_redemptions (
  jti text PRIMARY KEY,
  run_id text,
  principal text NOT NULL,
  action text NOT NULL,
  resource text NOT NULL,
  redeemed_at timestamptz NOT NULL DEFAULT now(),
  api_key_id text
);

-- Run supervision: decisions read a run's status from the store (policy-store/src/governance.ts),
-- so a pause is seen at once; the notification is for any process that caches runs.
CREATE FUNCTION pea_run_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM pg_notify('pea_changes', 'runs:' || NEW.id);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER runs_status_changed AFTER UPDATE ON runs
  FOR EACH ROW EXECUTE FUNCTION pea_run_changed();
