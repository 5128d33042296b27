import type { AppEnv } from "@pea/http-kit";
import type { Database } from "@pea/migrations";
import {
  type AdminActor,
  type AdminSession,
  type ApiKeyCache,
  csrfMatches,
  getSession,
  hasScope,
  isActiveUser,
} from "@pea/policy-store";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export type AdminEnv = {
  Variables: AppEnv["Variables"] & {
    actor: AdminActor;
    session: (AdminSession & { token: string }) | undefined;
  };
};

export const SESSION_COOKIE = "pea_admin_session";

export interface AuthDeps {
  database: Database;
  keys: ApiKeyCache;
  secureCookies: boolean;
}

export type Identity =
  | { ok: true; actor: AdminActor; session?: AdminSession & { token: string } }
  | { ok: false; status: 401 | 403; message: string; mustChangePassword?: true };

/** Where a session opened with a password someone else set may go: changing it, and leaving. */
export const PASSWORD_CHANGE_PAGE = "/account/password";
const whileChangingPassword = new Set([
  "GET /api/v1/session",
  "DELETE /api/v1/session",
  "PUT /api/v1/session/password",
  `GET ${PASSWORD_CHANGE_PAGE}`,
  `POST ${PASSWORD_CHANGE_PAGE}`,
  "POST /logout",
]);

const unsafe = (method: string) => !["GET", "HEAD", "OPTIONS"].includes(method);

/** A request from another site (Origin set and not ours) never changes anything. */
export function crossSite(c: Context): boolean {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === "null";
  try {
    return new URL(origin).host !== new URL(c.req.url).host;
  } catch {
    return true;
  }
}

/**
 * Who is asking: a bearer API key bound to an active user (API clients), or a session cookie
 * (the browser). Cookie-authenticated changes need the session's CSRF token
 * (X-CSRF-Token header, or the _csrf form field the caller passes as `formToken`).
 */
export async function identify(c: Context, deps: AuthDeps, formToken?: string): Promise<Identity> {
  const header = c.req.header("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match ? deps.keys.verify(match[1] as string) : undefined;
    if (!principal)
      return { ok: false, status: 401, message: "a valid API key is required: Authorization: Bearer <key>" };
    if (!principal.userId) {
      return {
        ok: false,
        status: 403,
        message: "admin changes need an API key bound to a user (pea keys create --user)",
      };
    }
    if (!hasScope(principal, "admin")) return { ok: false, status: 403, message: "this API key lacks the admin scope" };
    if (!(await isActiveUser(deps.database, principal.userId))) {
      return { ok: false, status: 403, message: "the key's user is not active" };
    }
    return { ok: true, actor: { userId: principal.userId, via: `api-key:${principal.id}` } };
  }
  const token = getCookie(c, SESSION_COOKIE);
  const session = token ? await getSession(deps.database, token) : undefined;
  if (!token || !session) return { ok: false, status: 401, message: "sign in first" };
  if (unsafe(c.req.method)) {
    if (crossSite(c)) return { ok: false, status: 403, message: "cross-site request refused" };
    const given = c.req.header("x-csrf-token") ?? formToken;
    if (!csrfMatches(session, given)) return { ok: false, status: 403, message: "missing or wrong CSRF token" };
  }
  if (session.mustChangePassword && !whileChangingPassword.has(`${c.req.method} ${c.req.path}`)) {
    return {
      ok: false,
      status: 403,
      message: "change the password you were given first (PUT /api/v1/session/password): until then nothing else",
      mustChangePassword: true,
    };
  }
  return { ok: true, actor: { userId: session.userId, via: session.via }, session: { ...session, token } };
}

export function setSessionCookie(c: Context, token: string, expiresAt: Date, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure,
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}
