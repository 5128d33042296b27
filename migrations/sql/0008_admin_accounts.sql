-- The admin app (apps/admin): local sign-in accounts and browser sessions.
-- Passwords are kept only as scrypt hashes ("scrypt$N$r$p$salt$hash", base64url); sessions only as
-- a SHA-256 of their token, so a copy of this table lets no one sign in.

CREATE TABLE admin_accounts (
  user_id text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE admin_sessions (
  token_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  -- how the session was opened: 'password' or 'api-key:<key id>'
  via text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
