-- The audit log: one append-only, hash-chained log of every decision and every change made
-- through PEA. Written only by policy-store/src/decision-log.ts (AuditLog / recordChange).
--
-- hash = sha256(seq "\n" time "\n" prev_hash "\n" canonical-json(record)); prev_hash of seq 1 is
-- 64 zeros. seq is gapless: every append locks/advances the single chain-head row audit_head in
-- the same transaction, so several PDP processes still produce one order.
--
-- Protection (see README "Audit log"): the service role pea_service may only SELECT and INSERT
-- here; a trigger refuses UPDATE, DELETE and TRUNCATE for everyone, so changing a row needs a
-- superuser (or the table owner) to disable the trigger first -- and `pea audit verify` then
-- names the first bad seq.

CREATE TABLE audit_head (
  id int PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

CREATE TABLE audit_log (
  seq bigint NOT NULL,
  time timestamptz NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  record jsonb NOT NULL,
  -- Derived from record (so never out of step with what is hashed), for queries.
  kind text GENERATED ALWAYS AS (record ->> 'type') STORED,
  principal text GENERATED ALWAYS AS (coalesce(record ->> 'principal', record ->> 'actor')) STORED,
  run_id text GENERATED ALWAYS AS (record ->> 'run') STORED,
  decision text GENERATED ALWAYS AS (record ->> 'decision') STORED,
  ref text GENERATED ALWAYS AS (coalesce(record ->> 'decisionId', record ->> 'target')) STORED,
  PRIMARY KEY (seq, time)
) PARTITION BY RANGE (time);

CREATE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_principal ON audit_log (principal, seq);
CREATE INDEX audit_log_run ON audit_log (run_id, seq) WHERE run_id IS NOT NULL;
CREATE INDEX audit_log_ref ON audit_log (ref);

-- Signed checkpoints: head seq + hash, signed with Ed25519 by a key in audit_signing_keys.
CREATE TABLE audit_signing_keys (
  id text PRIMARY KEY,
  public_key text NOT NULL,
  -- Only for the development default (no PEA_AUDIT_SIGNING_KEY configured); production keeps the
  -- private key outside the database, so a database superuser cannot forge checkpoints.
  private_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_checkpoints (
  seq bigint NOT NULL,
  hash text NOT NULL,
  time timestamptz NOT NULL,
  key_id text NOT NULL REFERENCES audit_signing_keys (id),
  signature text NOT NULL,
  PRIMARY KEY (seq, key_id)
);

-- The log refuses to change, whoever asks. Disabling this needs the owner or a superuser. The
-- trigger names what its table holds (TG_ARGV); published policy versions use it too (0006).
CREATE FUNCTION pea_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% cannot be changed or removed (% on %)', TG_ARGV[0], TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION pea_refuse_change('audit log rows');
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION pea_refuse_change('audit log rows');
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change('audit log rows');

-- Monthly partitions, created ahead of time; a default partition catches anything else so an
-- append never fails for want of a partition. TRUNCATE triggers are not inherited by
-- partitions, so each partition gets its own.
CREATE FUNCTION pea_audit_ensure_partitions(start_at timestamptz, months int) RETURNS void AS $$
DECLARE
  m date;
  name text;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    m := (date_trunc('month', start_at AT TIME ZONE 'UTC') + make_interval(months => i))::date;
    name := format('audit_log_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    IF to_regclass(name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
        name, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      EXECUTE format(
        'CREATE TRIGGER audit_partition_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change(''audit log rows'')',
        name);
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pea_service') THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM pea_service', name);
        EXECUTE format('GRANT SELECT, INSERT ON %I TO pea_service', name);
      END IF;
    END IF;
  END LOOP;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE TRIGGER audit_partition_no_truncate BEFORE TRUNCATE ON audit_log_default
  FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change('audit log rows');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION pea_refuse_change('audit log rows');

-- The service role. Roles are cluster-wide (several databases may race to create it).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pea_service') THEN
    BEGIN
      CREATE ROLE pea_service NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END;
$$;

SELECT pea_audit_ensure_partitions(now() - interval '1 month', 15);

-- What the services may do: everything ordinary on every table, except change the audit trail.
GRANT USAGE ON SCHEMA public TO pea_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pea_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pea_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pea_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pea_service;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_log_default, audit_checkpoints FROM pea_service;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_signing_keys FROM pea_service;
DO $$
DECLARE
  part text;
BEGIN
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_log'::regclass LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM pea_service', part);
  END LOOP;
END;
$$;
GRANT EXECUTE ON FUNCTION pea_audit_ensure_partitions(timestamptz, int) TO pea_service;

-- Decisions now live in the audit log; this view keeps the old shape for readers.
DROP TABLE decisions;
CREATE VIEW decisions AS
SELECT
  record ->> 'decisionId' AS id,
  time AS created_at,
  record ->> 'principal' AS principal,
  record ->> 'action' AS action,
  record ->> 'resource' AS resource,
  record ->> 'intent' AS intent,
  record ->> 'run' AS run_id,
  record ->> 'decision' AS decision,
  record -> 'reasons' AS reasons,
  record -> 'request' AS request,
  record ->> 'policyVersion' AS policy_version,
  (record ->> 'entitlementVersion')::bigint AS entitlement_version,
  record ->> 'apiKeyId' AS api_key_id,
  seq
FROM audit_log
WHERE kind = 'decision';
GRANT SELECT ON decisions TO pea_service;
