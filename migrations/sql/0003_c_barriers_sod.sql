-- Wall crossings: compliance brings a named person over the information barrier for one issuer,
-- for a reason, until an expiry (or until revoked). Read per decision, so revocation and expiry
-- take effect on the very next decision.
CREATE TABLE wall_crossings (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  issuer text NOT NULL,
  reason text NOT NULL,
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by text
);
CREATE INDEX wall_crossings_user ON wall_crossings (user_id, expires_at) WHERE revoked_at IS NULL;

-- Separation of duties, static: entitlements (groups) nobody may hold together. Refused when
-- assigned (policy-store/src/sod.ts); a conflict present anyway (changed behind PEA's back) makes
-- the PDP deny `sod`.
CREATE TABLE sod_conflicts (
  group_a text NOT NULL,
  group_b text NOT NULL,
  description text NOT NULL DEFAULT '',
  PRIMARY KEY (group_a, group_b),
  CHECK (group_a < group_b)
);

-- Governance attributes of people and agents beyond status (clearance, compartments,
-- citizenship ...), in Cedar's JSON value form, merged into the User/Agent entity.
CREATE TABLE principal_attributes (
  type text NOT NULL CHECK (type IN ('User', 'Agent')),
  id text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (type, id)
);

CREATE TRIGGER sod_conflicts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sod_conflicts
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('entitlement_version', 'entitlements');
CREATE TRIGGER principal_attributes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON principal_attributes
  FOR EACH STATEMENT EXECUTE FUNCTION pea_version_changed('entitlement_version', 'entitlements');
