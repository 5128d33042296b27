-- The console reads the audit log newest first, by time range, by principal, run or deciding
-- reason, a page at a time (keyset on time, then seq), and counts decisions per hour for its
-- overview. Each of those reads walks one index from where the page starts, at any log size.
--
-- reason: the deciding reason code of a deny (the first of its reasons), derived from the record
-- like the other generated columns (never out of step with what is hashed). Adding it rewrites the
-- log's partitions once.
ALTER TABLE audit_log ADD COLUMN reason text GENERATED ALWAYS AS (record #>> '{reasons,0,code}') STORED;

-- Newest first over a time range; INCLUDE lets the per-hour counts read the index alone.
CREATE INDEX audit_log_time_seq ON audit_log (time, seq) INCLUDE (kind, decision, reason);
DROP INDEX audit_log_time;
CREATE INDEX audit_log_principal_time ON audit_log (principal, time, seq);
DROP INDEX audit_log_principal;
CREATE INDEX audit_log_run_time ON audit_log (run_id, time, seq) WHERE run_id IS NOT NULL;
DROP INDEX audit_log_run;
CREATE INDEX audit_log_reason_time ON audit_log (reason, time, seq) WHERE reason IS NOT NULL;
