-- Entitlements: who may act, in which groups and segments, on which tasks, over which resources.
-- Every change to these tables bumps the entitlement version and notifies every PDP process
-- (trigger below), so a change made by any path, even raw SQL, reaches all caches at once.

CREATE TABLE pea_state (
  key text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO pea_state (key, value) VALUES ('entitlement_version', 1);

CREATE TABLE users (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  email text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id text PRIMARY KEY,
  owner_id text NOT NULL REFERENCES users(id),
  description text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE groups (
  id text PRIMARY KEY,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE segments (
  id text PRIMARY KEY,
  description text NOT NULL DEFAULT ''
);

-- member (User, Agent or Group) belongs to parent (Group or Segment)
CREATE TABLE memberships (
  member_type text NOT NULL CHECK (member_type IN ('User', 'Agent', 'Group')),
  member_id text NOT NULL,
  parent_type text NOT NULL CHECK (parent_type IN ('Group', 'Segment')),
  parent_id text NOT NULL,
  granted_by text,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (member_type, member_id, parent_type, parent_id)
);

CREATE TABLE intents (
  id text PRIMARY KEY,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE intent_capabilities (
  intent_id text NOT NULL REFERENCES intents(id) ON DELETE CASCADE,
  action text NOT NULL,
  resource_type text NOT NULL,
  PRIMARY KEY (intent_id, action, resource_type)
);

CREATE TABLE agent_intents (
  agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  intent_id text NOT NULL REFERENCES intents(id) ON DELETE CASCADE,
  granted_by text,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, intent_id)
);

-- agent_id may be handed work by delegator_agent_id (a sub-agent relationship)
CREATE TABLE agent_delegations (
  agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  delegator_agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  PRIMARY KEY (agent_id, delegator_agent_id)
);

-- Registered resources with their governance attributes, in Cedar's JSON value form.
CREATE TABLE resources (
  type text NOT NULL,
  id text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  parents jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (type, id)
);

CREATE FUNCTION pea_entitlements_changed() RETURNS trigger AS $$
DECLARE
  next_version bigint;
BEGIN
  UPDATE pea_state SET value = value + 1 WHERE key = 'entitlement_version' RETURNING value INTO next_version;
  PERFORM pg_notify('pea_changes', 'entitlements:' || next_version);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER agents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agents
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER groups_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER segments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON segments
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER memberships_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER intents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON intents
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER intent_capabilities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON intent_capabilities
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER agent_intents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agent_intents
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER agent_delegations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agent_delegations
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
CREATE TRIGGER resources_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resources
  FOR EACH STATEMENT EXECUTE FUNCTION pea_entitlements_changed();
