import { signOut } from "@pea/policy-store";
import { ChangeOwnPassword, PeaError, SessionInfo, SignIn } from "@pea/schemas";
import { getCookie } from "hono/cookie";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { signIn } from "../sign-in.js";
import { type AdminApi, actionRoute, Ok } from "./kit.js";

/** Signing in and out, and who is signed in. */
export function sessionRoutes(app: AdminApi, deps: AppDeps): void {
  const info = async (session: {
    userId: string;
    via: string;
    csrfToken: string;
    expiresAt: string;
    mustChangePassword: boolean;
  }) => ({
    user: session.userId,
    via: session.via,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
    // Until the given password is changed, the session may do nothing else.
    allowed: session.mustChangePassword ? [] : [...(await deps.authorizer.allowedActions(session.userId))],
    mustChangePassword: session.mustChangePassword,
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/session",
    tag: "session",
    summary: "Sign in with a local password or a user-bound API key; sets an httpOnly SameSite cookie",
    security: [],
    body: SignIn,
    response: SessionInfo,
    extraStatuses: { 429: "too many failed sign-ins from this address or for this account: wait Retry-After seconds" },
    work: async (_who, { body: input }, c) => {
      const outcome = await signIn(deps, c, input);
      if (!outcome.ok && outcome.throttled) {
        c.header("Retry-After", String(outcome.retryAfterSeconds));
        const wait = `too many failed sign-ins: try again in ${outcome.retryAfterSeconds} s`;
        throw new PeaError("too_many_requests", wait);
      }
      if (!outcome.ok) throw new PeaError("unauthorized", "wrong user, password or key (or the user is not active)");
      const { session } = outcome;
      setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
      return info({ ...session, expiresAt: session.expiresAt.toISOString() });
    },
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/session",
    tag: "session",
    summary: "Who is signed in, and what PEA's admin policies let them do",
    response: SessionInfo,
    work: async (who, _input, c) => {
      const session = c.get("session");
      return info({
        userId: who.userId,
        via: who.via,
        csrfToken: session?.csrfToken ?? "",
        expiresAt: session?.expiresAt.toISOString() ?? "",
        mustChangePassword: session?.mustChangePassword ?? false,
      });
    },
  });
  actionRoute(app, {
    method: "delete",
    path: "/api/v1/session",
    tag: "session",
    summary: "Sign out",
    response: Ok,
    work: async (_who, _input, c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await signOut(deps.database, token);
      clearSessionCookie(c);
      return { ok: true as const };
    },
  });
  actionRoute(app, {
    method: "put",
    path: "/api/v1/session/password",
    tag: "session",
    summary:
      "Change your own password (proving the current one); ends your sessions. The only change a session opened with a password someone else set may make",
    body: ChangeOwnPassword,
    response: Ok,
    work: async (who, { body: { current, password } }) => {
      await deps.entitlements.changeOwnPassword(who, current, password);
      return { ok: true as const };
    },
  });
}
