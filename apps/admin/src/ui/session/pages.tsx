/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { Layout, SignOut } from "../layout.js";

export function LoginPage(props: {
  error?: string | undefined;
  /** A plain notice above the form (e.g. "your password was changed"). */
  notice?: string | undefined;
  user?: string | undefined;
  next?: string | undefined;
  /** The firm's OpenID provider, when one is configured. */
  oidcName?: string | undefined;
}) {
  const next = props.next ?? "/";
  return (
    <Layout title="Sign in" path="/login">
      <div class="card narrow">
        {props.oidcName ? (
          <p>
            <a class="button primary" href={`/login/oidc?next=${encodeURIComponent(next)}`} data-testid="oidc-sign-in">
              Sign in with {props.oidcName}
            </a>
          </p>
        ) : null}
        <form method="post" action="/login" class="stack" aria-describedby={props.error ? "login-error" : undefined}>
          <input type="hidden" name="next" value={next} />
          {props.error ? (
            <p class="form-error" role="alert" id="login-error" data-testid="login-error">
              {props.error}
            </p>
          ) : null}
          {props.notice ? (
            <p role="status" data-testid="login-notice">
              {props.notice}
            </p>
          ) : null}
          <label for="user">User</label>
          <input id="user" name="user" autocomplete="username" value={props.user ?? ""} required />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
        <details>
          <summary>Sign in with an API key instead</summary>
          <form method="post" action="/login" class="stack">
            <input type="hidden" name="next" value={next} />
            <label for="apiKey">API key bound to your user</label>
            <input id="apiKey" name="apiKey" type="password" autocomplete="off" required />
            <button type="submit">Sign in with key</button>
          </form>
        </details>
      </div>
    </Layout>
  );
}

/**
 * Changing one's own password. A session opened with a password someone else set sees only this
 * page until it is done (no navigation: there is nowhere else to go).
 */
export function PasswordChangePage(props: { user: string; csrf: string; forced: boolean; error?: string | undefined }) {
  return (
    <Layout title="Change your password" path="/account/password">
      <div class="card narrow">
        <h1>Change your password</h1>
        {props.forced ? (
          <p data-testid="must-change">
            Signed in as <strong>{props.user}</strong> with a password an administrator set. Choose your own before
            doing anything else.
          </p>
        ) : null}
        <form method="post" action="/account/password" class="stack">
          <input type="hidden" name="_csrf" value={props.csrf} />
          {props.error ? (
            <p class="form-error" role="alert" data-testid="password-error">
              {props.error}
            </p>
          ) : null}
          <label for="pw-current">Current password</label>
          <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
          <label for="pw-next">New password (12+ characters)</label>
          <input id="pw-next" name="password" type="password" autocomplete="new-password" required minlength={12} />
          <button type="submit" class="primary">
            Change password
          </button>
        </form>
        <SignOut csrf={props.csrf} />
      </div>
    </Layout>
  );
}
