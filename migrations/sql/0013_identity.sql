-- Verified identity: a key says whom it may speak for, and a run says who started it.
--
-- kind: user (speaks for its user), service (for the agents it hosts), gateway (for principals
-- whose delegation it proves: the MCP gateway, AuthZEN enforcement points), admin (administers;
-- speaks for nobody). Keys made before kinds existed keep what they could honestly claim: a key
-- bound to a user is that user's; any other is an admin key.
ALTER TABLE api_keys ADD COLUMN kind text;
UPDATE api_keys SET kind = CASE WHEN user_id IS NULL THEN 'admin' ELSE 'user' END;
ALTER TABLE api_keys ALTER COLUMN kind SET NOT NULL;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_kind CHECK (kind IN ('user', 'service', 'gateway', 'admin'));
ALTER TABLE api_keys ADD CONSTRAINT api_keys_user_kind CHECK ((kind = 'user') = (user_id IS NOT NULL));
ALTER TABLE api_keys ADD COLUMN agents text[] NOT NULL DEFAULT '{}';
ALTER TABLE api_keys ADD COLUMN agent_groups text[] NOT NULL DEFAULT '{}';
-- Who made the key ("key:<id>", "User::<id>", "bootstrap", "cli"): every record names the key, and
-- through it the person who minted it.
ALTER TABLE api_keys ADD COLUMN created_by text;

-- started_by: the human who started the run, authenticated (their key, session or IdP token);
-- null for a run with no human in its chain. sub_agents: agents the run admitted as its principal's
-- sub-agents (their requests carry chain = run.chain + [run.principal]).
ALTER TABLE runs ADD COLUMN started_by text;
ALTER TABLE runs ADD COLUMN sub_agents jsonb NOT NULL DEFAULT '[]'::jsonb;
