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

-- A change to a followed table bumps its counter in pea_state and tells every PDP. Its trigger names
-- the counter and the channel (TG_ARGV): the entitlements here, runtime trust (0005), policies (0006).
CREATE FUNCTION pea_version_changed() RETURNS trigger AS $$
DECLARE
  next_version bigint;
BEGIN
  UPDATE pea_state SET value = value + 1 WHERE key = TG_ARGV[0] RETURNING value INTO next_version;
  PERFORM pg_notify('pea_changes', TG_ARGV[1] || ':' || next_version);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DO $$
DECLARE
  followed text;
BEGIN
  FOREACH followed IN ARRAY ARRAY['users', 'agents', 'groups', 'segments', 'memberships', 'intents',
    'intent_capabilities', 'agent_intents', 'agent_delegations', 'resources'] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT '
      'EXECUTE FUNCTION pea_version_changed(''entitlement_version'', ''entitlements'')',
      followed || '_changed', followed);
  END LOOP;
END $$;
