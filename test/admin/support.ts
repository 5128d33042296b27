import { type AdminApp, type AdminDeps, createAdminApp } from "@pea/admin";
import { createLogger } from "@pea/http-kit";
import { AdminAuthorizer, AdminOversight, createApiKey, entitlementAdmin, prepareAdmin } from "@pea/policy-store";
import { sendToApp } from "../support/http.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

export const DEMO_PASSWORD = "correct horse battery staple";

export interface TestAdmin {
  pdp: TestPdp;
  app: AdminApp;
  close(): Promise<void>;
}

/** The demo bank, the admin roles and demo accounts, and the real admin app over the same store. */
export async function startTestAdmin(
  options: { policyDir?: string; extra?: Partial<AdminDeps> } = {},
): Promise<TestAdmin> {
  const pdp = await startTestPdp(options);
  await prepareAdmin(pdp.database, { demo: true, demoPassword: DEMO_PASSWORD });
  const authorizer = new AdminAuthorizer(pdp.database, pdp.engine);
  const schema = () => {
    const inputs = pdp.engine.inputs();
    return "schema" in inputs ? inputs.schema : undefined;
  };
  const app = createAdminApp({
    database: pdp.database,
    engine: pdp.engine,
    keys: pdp.engine.keys,
    authorizer,
    entitlements: entitlementAdmin({ database: pdp.database, authorizer, schema }),
    oversight: new AdminOversight({ database: pdp.database, authorizer }),
    schema,
    // Errors only: a 500 is a bug, and its cause should be in the test output.
    logger: createLogger("error", "test"),
    maxBodyBytes: 64 * 1024,
    secureCookies: false,
    ...options.extra,
  });
  return { pdp, app, close: () => pdp.close() };
}

/** A key of `userId`'s own, made straight in the store (by `actor`, if given) and known to the app at once. */
export async function userKey(
  admin: TestAdmin,
  key: Omit<Parameters<typeof createApiKey>[1], "kind"> & { userId: string },
): Promise<{ id: string; key: string }> {
  const made = await createApiKey(admin.pdp.database, { kind: "user", ...key });
  await admin.pdp.engine.keys.reload();
  return made;
}

/** What an admin posts to /api/v1/keys for a service key: one that speaks for `agents` only. */
export const serviceKeyRequest = (name: string, agents: string[], scopes: string[]) => ({
  name,
  kind: "service",
  agents,
  scopes,
});

export interface Json {
  [key: string]: unknown;
  error?: { code: string; message: string; requestId: string };
}

/** A signed-in API client: the session cookie plus its CSRF token, like the browser. */
export async function signIn(app: AdminApp, user: string, password = DEMO_PASSWORD) {
  const res = await app.request("/api/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${user} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string; allowed: string[] };
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return client(app, { cookie, "x-csrf-token": body.csrfToken }, body.allowed);
}

export function client(app: AdminApp, headers: Record<string, string>, allowed: string[] = []) {
  const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    sendToApp<Json>(app, method, path, body === undefined ? undefined : JSON.stringify(body), { ...headers, ...extra });
  return {
    allowed,
    call,
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    put: (path: string, body: unknown) => call("PUT", path, body),
    del: (path: string) => call("DELETE", path),
  };
}
