-- Policy as code: published, signed, immutable policy versions; which one is active; activation
-- requests (four-eyes); shadow mode. Written by policy-store/src/policy-versions.ts.

-- One row per distinct policy content. id = first 16 hex digits of content_hash, where
-- content_hash = sha256 over every file ("\0" path "\0" text, files in path order): publishing the
-- same content twice finds this row again. signature: Ed25519 over the canonical JSON of
-- (id, contentHash, gitCommit, author, message, createdAt), by the key public_key (SPKI DER, base64).
CREATE TABLE policy_versions (
  id text PRIMARY KEY,
  content_hash text NOT NULL UNIQUE,
  files jsonb NOT NULL,
  policy_count integer NOT NULL,
  git_commit text,
  author text NOT NULL,
  message text NOT NULL,
  created_at timestamptz NOT NULL,
  key_id text NOT NULL,
  public_key text NOT NULL,
  signature text NOT NULL
);

-- Published versions and their activation history refuse to change, like the audit log (0004).
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION pea_refuse_change('published policy versions and their history');
CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
  FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change('published policy versions and their history');

-- Settings of the policy workflow (one row). four_eyes: activation and rollback need a second
-- person's approval; enforced by the trigger below, whichever client writes.
CREATE TABLE policy_settings (
  id int PRIMARY KEY CHECK (id = 1),
  four_eyes boolean NOT NULL DEFAULT false,
  updated_by text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO policy_settings (id, four_eyes) VALUES (1, false);

-- Every activation (and rollback), append-only. The active version is the newest row.
CREATE TABLE policy_activations (
  seq bigserial PRIMARY KEY,
  version_id text NOT NULL REFERENCES policy_versions (id),
  kind text NOT NULL CHECK (kind IN ('activate', 'rollback')),
  requested_by text NOT NULL,
  approved_by text,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER policy_activations_immutable BEFORE UPDATE OR DELETE ON policy_activations
  FOR EACH ROW EXECUTE FUNCTION pea_refuse_change('published policy versions and their history');
CREATE TRIGGER policy_activations_no_truncate BEFORE TRUNCATE ON policy_activations
  FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change('published policy versions and their history');

CREATE FUNCTION pea_policy_activation_check() RETURNS trigger AS $$
BEGIN
  IF (SELECT four_eyes FROM policy_settings WHERE id = 1) AND
     (NEW.approved_by IS NULL OR NEW.approved_by = NEW.requested_by) THEN
    RAISE EXCEPTION 'four-eyes is on: an activation needs the approval of a second person'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER policy_activations_four_eyes BEFORE INSERT ON policy_activations
  FOR EACH ROW EXECUTE FUNCTION pea_policy_activation_check();

-- Activation requests waiting for a second person (four-eyes).
CREATE TABLE policy_activation_requests (
  id text PRIMARY KEY,
  version_id text NOT NULL REFERENCES policy_versions (id),
  kind text NOT NULL CHECK (kind IN ('activate', 'rollback')),
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by text,
  decided_at timestamptz,
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);

-- Shadow mode: a candidate version evaluated beside the active one on live traffic (one row).
CREATE TABLE policy_shadow (
  id int PRIMARY KEY CHECK (id = 1),
  version_id text REFERENCES policy_versions (id),
  set_by text,
  set_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO policy_shadow (id, version_id) VALUES (1, NULL);

-- Decisions where the shadow version disagreed with the enforced one. Never enforced.
CREATE TABLE policy_shadow_flips (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  shadow_version text NOT NULL,
  active_version text NOT NULL,
  decision_id text NOT NULL,
  active_decision text NOT NULL,
  shadow_decision text NOT NULL,
  rule text NOT NULL,
  request jsonb NOT NULL
);
CREATE INDEX policy_shadow_flips_version ON policy_shadow_flips (shadow_version, created_at);

-- Every PDP follows these: counter polled on the embedded store, NOTIFY elsewhere.
INSERT INTO pea_state (key, value) VALUES ('policy_version', 1);

CREATE TRIGGER policy_activations_changed AFTER INSERT ON policy_activations
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('policy_version', 'policies');
CREATE TRIGGER policy_shadow_changed AFTER INSERT OR UPDATE ON policy_shadow
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('policy_version', 'policies');
