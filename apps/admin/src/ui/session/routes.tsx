/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { signOut } from "@pea/policy-store";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { clearSessionCookie, crossSite, identify, SESSION_COOKIE, setSessionCookie } from "../../auth.js";
import type { AppDeps } from "../../deps.js";
import { signIn } from "../../sign-in.js";
import { type Form, one, safePath, type UiApp } from "../kit.js";
import { LoginPage } from "./pages.js";

/** Signing in (open to anyone), then the gate every other page is behind. */
export function signInRoutes(ui: UiApp, deps: AppDeps): void {
  const nextOf = (c: Context) => safePath(c.req.query("next") ?? "/people", "/people");
  ui.get("/login", (c) => c.html(<LoginPage next={nextOf(c)} />));
  ui.post("/login", async (c) => {
    if (crossSite(c)) return c.text("cross-site request refused", 403);
    const form = (await c.req.parseBody({ all: true })) as Form;
    const next = safePath(one(form, "next"), "/people");
    const apiKey = one(form, "apiKey");
    const user = one(form, "user");
    const outcome = await signIn(deps, c, apiKey ? { apiKey } : { user, password: one(form, "password") });
    if (!outcome.ok) {
      if (outcome.throttled) c.header("Retry-After", String(outcome.retryAfterSeconds));
      c.status(outcome.throttled ? 429 : 401);
      const error = outcome.throttled
        ? `Too many failed sign-ins. Try again in ${outcome.retryAfterSeconds} seconds.`
        : "Wrong user, password or key, or the user is not active.";
      return c.html(<LoginPage error={error} user={user} next={next} />);
    }
    const { session } = outcome;
    setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
    return c.redirect(next, 303);
  });

  // Everything else needs a session; changes need its CSRF token.
  ui.use("*", async (c, next) => {
    let formToken: string | undefined;
    if (c.req.method === "POST") {
      const form = (await c.req.parseBody({ all: true })) as Form;
      formToken = one(form, "_csrf");
    }
    const who = await identify(c, deps, formToken);
    if (!who.ok) {
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
}
