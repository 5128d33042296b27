-- Nobody becomes someone else: a credential bound to another person (their API key, their
-- password) takes two administrators. The first files a request; a second, different one
-- approves it. Only hashes are kept: a password request holds the scrypt hash of the password
-- the requester chose; a key request holds no secret at all (the key is minted when the
-- requester collects it, once, after the approval).
CREATE TABLE credential_requests (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('api_key', 'password')),
  -- the person the credential would be bound to
  subject text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- an api_key request: { name, scopes }
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  password_hash text,
  requested_by text NOT NULL REFERENCES users(id),
  requested_via text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  -- pending -> approved (a key waits to be collected) -> issued; or rejected; past expires_at, void
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'issued')),
  decided_by text REFERENCES users(id),
  decided_at timestamptz,
  key_id text,
  expires_at timestamptz NOT NULL,
  -- a password request's hash lives only until the request is decided
  CHECK ((kind = 'api_key' AND password_hash IS NULL) OR (kind = 'password' AND (password_hash IS NOT NULL) = (status = 'pending'))),
  -- a second person, always: the database refuses a self-approval whoever writes it
  CHECK (decided_by IS NULL OR status = 'rejected' OR lower(decided_by) <> lower(requested_by))
);
CREATE INDEX credential_requests_open ON credential_requests (status, requested_at);

-- A password someone else set must be changed at its first use: until then its sessions can do
-- nothing but change it.
ALTER TABLE admin_accounts ADD COLUMN must_change boolean NOT NULL DEFAULT false;
