-- Every PDP keeps the active wall crossings in memory beside the revocations (trust.ts), so a
-- decision that consults context.crossings costs no store round trip. A grant or revoke bumps
-- trust_version and notifies, like a revocation.
CREATE TRIGGER wall_crossings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wall_crossings
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('trust_version', 'trust');
