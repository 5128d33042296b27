-- API keys: only a hash of the secret is kept; the key is shown once, when created.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text NOT NULL,
  scopes text[] NOT NULL,
  user_id text REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

INSERT INTO pea_state (key, value) VALUES ('keys_version', 1);

CREATE FUNCTION pea_keys_changed() RETURNS trigger AS $$
BEGIN
  UPDATE pea_state SET value = value + 1 WHERE key = 'keys_version';
  PERFORM pg_notify('pea_changes', 'keys');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION pea_keys_changed();

-- Every decision the PDP answers, allow or deny, written by DecisionLog only.
CREATE TABLE decisions (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  principal text NOT NULL,
  action text NOT NULL,
  resource text NOT NULL,
  intent text,
  run_id text,
  decision text NOT NULL CHECK (decision IN ('allow', 'deny')),
  reasons jsonb NOT NULL,
  request jsonb NOT NULL,
  policy_version text NOT NULL,
  entitlement_version bigint NOT NULL,
  api_key_id text
);
CREATE INDEX decisions_created_at ON decisions (created_at);
CREATE INDEX decisions_principal ON decisions (principal, created_at);
