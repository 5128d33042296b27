/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { recordChange, refusalOf, signInWithIdentity, signOut } from "@pea/policy-store";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
  type AdminEnv,
  clearSessionCookie,
  crossSite,
  identify,
  PASSWORD_CHANGE_PAGE,
  SESSION_COOKIE,
  setSessionCookie,
} from "../../auth.js";
import type { AppDeps } from "../../deps.js";
import type { OidcOutcome, OidcSignIn } from "../../oidc.js";
import { clientAddress, signIn } from "../../sign-in.js";
import { type Form, one, safePath, type UiApp } from "../kit.js";
import { LoginPage, PasswordChangePage } from "./pages.js";

/** Signing in (open to anyone), then the gate every other page is behind. */
export function signInRoutes(ui: UiApp, deps: AppDeps): void {
  const oidcName = deps.oidc?.settings.name;
  const nextOf = (c: Context) => safePath(c.req.query("next") ?? "/", "/");
  ui.get("/login", (c) => c.html(<LoginPage next={nextOf(c)} oidcName={oidcName} />));
  ui.post("/login", async (c) => {
    if (crossSite(c)) return c.text("cross-site request refused", 403);
    const form = (await c.req.parseBody({ all: true })) as Form;
    const next = safePath(one(form, "next"), "/");
    const apiKey = one(form, "apiKey");
    const user = one(form, "user");
    const outcome = await signIn(deps, c, apiKey ? { apiKey } : { user, password: one(form, "password") });
    if (!outcome.ok) {
      if (outcome.throttled) c.header("Retry-After", String(outcome.retryAfterSeconds));
      c.status(outcome.throttled ? 429 : 401);
      const error = outcome.throttled
        ? `Too many failed sign-ins. Try again in ${outcome.retryAfterSeconds} seconds.`
        : "Wrong user, password or key, or the user is not active.";
      return c.html(<LoginPage error={error} user={user} next={next} oidcName={oidcName} />);
    }
    const { session } = outcome;
    setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
    return c.redirect(session.mustChangePassword ? PASSWORD_CHANGE_PAGE : next, 303);
  });

  if (deps.oidc) oidcRoutes(ui, deps, deps.oidc);

  // Everything else needs a session; changes need its CSRF token.
  ui.use("*", async (c, next) => {
    let formToken: string | undefined;
    if (c.req.method === "POST") {
      const form = (await c.req.parseBody({ all: true })) as Form;
      formToken = one(form, "_csrf");
    }
    const who = await identify(c, deps, formToken);
    if (!who.ok) {
      if (who.mustChangePassword) return c.redirect(PASSWORD_CHANGE_PAGE, 303);
      if (who.status === 401) {
        const target = c.req.method === "GET" ? c.req.path : "/people";
        return c.redirect(`/login?next=${encodeURIComponent(target)}`, 303);
      }
      return c.text(who.message, 403);
    }
    c.set("actor", who.actor);
    c.set("session", who.session);
    await next();
  });

  ui.post("/logout", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await signOut(deps.database, token);
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  });

  const passwordPage = (c: Context<AdminEnv>, error?: string) => {
    const session = c.get("session");
    return c.html(
      <PasswordChangePage
        user={c.get("actor").userId}
        csrf={session?.csrfToken ?? ""}
        forced={session?.mustChangePassword ?? false}
        error={error}
      />,
    );
  };
  ui.get(PASSWORD_CHANGE_PAGE, (c) => passwordPage(c));
  ui.post(PASSWORD_CHANGE_PAGE, async (c) => {
    const form = (await c.req.parseBody({ all: true })) as Form;
    try {
      await deps.entitlements.changeOwnPassword(c.get("actor"), one(form, "current"), one(form, "password"));
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      c.status(422);
      return passwordPage(c, refusal.message);
    }
    // A new password ends every session, this one too: sign in again with it.
    clearSessionCookie(c);
    return c.html(<LoginPage notice="Your password was changed. Sign in with it." oidcName={oidcName} />);
  });
}

const OIDC_COOKIE = "pea_admin_oidc";

/** Sign-in through the firm's OpenID provider: off to the provider, and back with a code. */
function oidcRoutes(ui: UiApp, deps: AppDeps, oidc: OidcSignIn): void {
  const name = oidc.settings.name;
  const refuse = (c: Context, status: 401 | 502, error: string) => {
    c.status(status);
    return c.html(<LoginPage error={error} oidcName={name} />);
  };
  const unreachable = (c: Context, error: unknown) => {
    deps.logger.warn({ err: error, issuer: oidc.settings.issuer }, "OpenID provider unreachable");
    return refuse(c, 502, `${name} cannot be reached now: sign in with a password, or try again later.`);
  };

  ui.get("/login/oidc", async (c) => {
    let started: { url: URL; flowId: string };
    try {
      started = await oidc.start(safePath(c.req.query("next") ?? "/people", "/people"));
    } catch (error) {
      return unreachable(c, error);
    }
    // Lax, not Strict: the provider sends the browser back here from another site.
    setCookie(c, OIDC_COOKIE, started.flowId, {
      httpOnly: true,
      sameSite: "Lax",
      secure: deps.secureCookies,
      path: "/login/oidc",
      maxAge: 600,
    });
    return c.redirect(started.url.toString(), 302);
  });

  ui.get("/login/oidc/callback", async (c) => {
    const flowId = getCookie(c, OIDC_COOKIE);
    deleteCookie(c, OIDC_COOKIE, { path: "/login/oidc" });
    let outcome: OidcOutcome;
    try {
      outcome = await oidc.finish(deps.database, flowId, new URL(c.req.url).search);
    } catch (error) {
      return unreachable(c, error);
    }
    const session = outcome.ok ? await signInWithIdentity(deps.database, outcome.userId, outcome.via) : undefined;
    if (!outcome.ok || !session) {
      const reason = outcome.ok ? `${outcome.userId} is not active` : outcome.reason;
      await recordChange(deps.database, {
        actor: `Client::${clientAddress(c)}`,
        action: "signin.failed",
        target: outcome.ok ? `User::${outcome.userId}` : `OpenIdProvider::${oidc.settings.issuer}`,
        detail: { via: "oidc", reason, ...(!outcome.ok && outcome.subject ? { subject: outcome.subject } : {}) },
      });
      return refuse(c, 401, `Not signed in: ${reason}.`);
    }
    setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
    return c.redirect(outcome.ok ? outcome.next : "/people", 303);
  });
}
