import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApiApp, mountDocs } from "@pea/http-kit";
import { entitlementVersion } from "@pea/policy-store";
import { apiRoutes } from "./api/index.js";
import type { AdminEnv } from "./auth.js";
import type { AdminApp, AdminDeps, AppDeps } from "./deps.js";
import { OidcSignIn } from "./oidc.js";
import { SignInThrottle } from "./sign-in.js";
import { uiRoutes } from "./ui/index.js";

export type { AdminApp, AdminDeps } from "./deps.js";

const API_PATHS = /^\/(api\/|openapi\.json$|docs(\/|$)|healthz$)/;

/**
 * The admin app: a JSON API (OpenAPI, same error envelope as the PDP) under /api/v1, and the web
 * UI (server-rendered HTML forms) everywhere else. Both call the same functions in policy-store.
 */
export function createAdminApp(options: AdminDeps): AdminApp {
  const deps: AppDeps = {
    ...options,
    maxJsonDepth: options.maxJsonDepth ?? 32,
    throttle: options.throttle ?? new SignInThrottle(),
    oidc: options.oidc ? new OidcSignIn(options.oidc) : undefined,
  };
  // Limits on every body, signing in included, before any route reads it (see http-kit limits.ts).
  const limits = { maxBodyBytes: deps.maxBodyBytes, maxJsonDepth: deps.maxJsonDepth };
  const api = createApiApp({
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
    maxJsonDepth: limits.maxJsonDepth,
  }) as unknown as OpenAPIHono<AdminEnv>;
  // createApiApp bounds the API's bodies (size, depth, unstorable text) like the PDP's; the
  // console's forms get the same limits from inputLimits (ui/index.tsx).
  api.get("/healthz", (c) => c.json({ status: "ok" }));
  // Read your writes: every successful change answers with the entitlement version now committed;
  // a PDP asked with `PEA-Entitlement-Version: N` judges on that version or newer (or denies).
  api.use("/api/*", async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.res.status >= 300) return;
    const version = await entitlementVersion(deps.database).catch(() => undefined);
    if (version !== undefined) c.res.headers.set("PEA-Entitlement-Version", String(version));
  });
  apiRoutes(api, deps);
  mountDocs(api as never, {
    title: "PEA admin API",
    version: "1.0.0",
    description:
      "Entitlements, keys and sign-in for PEA's admin app. Every change is authorized by PEA's own admin policies, validated, audited and pushed to every PDP.",
  });
  const ui = uiRoutes(deps, limits);
  const fetch = async (request: Request, env?: unknown): Promise<Response> => {
    const path = new URL(request.url).pathname;
    return API_PATHS.test(path) ? api.fetch(request, env) : ui.fetch(request, env);
  };
  return {
    api,
    fetch,
    request: (path, init) => fetch(new Request(new URL(path, "http://admin.test"), init)),
  };
}
