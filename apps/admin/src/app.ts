import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApiApp, mountDocs } from "@pea/http-kit";
import { apiRoutes } from "./api/index.js";
import type { AdminEnv } from "./auth.js";
import type { AdminApp, AdminDeps } from "./deps.js";
import { uiRoutes } from "./ui/index.js";

export type { AdminApp, AdminDeps } from "./deps.js";

const API_PATHS = /^\/(api\/|openapi\.json$|docs(\/|$)|healthz$)/;

/**
 * The admin app: a JSON API (OpenAPI, same error envelope as the PDP) under /api/v1, and the web
 * UI (server-rendered HTML forms) everywhere else. Both call the same functions in policy-store.
 */
export function createAdminApp(deps: AdminDeps): AdminApp {
  const api = createApiApp({
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
  }) as unknown as OpenAPIHono<AdminEnv>;
  api.get("/healthz", (c) => c.json({ status: "ok" }));
  apiRoutes(api, deps);
  mountDocs(api as never, {
    title: "PEA admin API",
    version: "1.0.0",
    description:
      "Entitlements, keys and sign-in for PEA's admin app. Every change is authorized by PEA's own admin policies, validated, audited and pushed to every PDP.",
  });
  const ui = uiRoutes(deps);
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    return API_PATHS.test(path) ? api.fetch(request) : ui.fetch(request);
  };
  return {
    api,
    fetch,
    request: (path, init) => fetch(new Request(new URL(path, "http://admin.test"), init)),
  };
}
