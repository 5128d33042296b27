/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { Layout } from "../layout.js";

export function LoginPage(props: {
  error?: string | undefined;
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
