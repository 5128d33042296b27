import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApiApp, mountDocs } from "@pea/http-kit";
import type { Database } from "@pea/migrations";
import type {
  AdminAuthorizer,
  AdminOversight,
  ApiKeyCache,
  DecisionEngine,
  EntitlementAdmin,
  SchemaInfo,
} from "@pea/policy-store";
import type { Logger } from "pino";
import { apiRoutes } from "./api.js";
import type { AdminEnv } from "./auth.js";
import { uiRoutes } from "./ui/routes.js";

export interface AdminDeps {
  database: Database;
  engine: DecisionEngine;
  keys: ApiKeyCache;
  authorizer: AdminAuthorizer;
  entitlements: EntitlementAdmin;
  oversight: AdminOversight;
  schema: () => SchemaInfo | undefined;
  logger: Logger;
  maxBodyBytes: number;
  secureCookies: boolean;
  /** Pages whose backend has landed: "sod", "approvals", "runs", "audit", "policies". */
  features: Set<string>;
}

export interface AdminApp {
  fetch(request: Request): Promise<Response>;
  /** For tests: a request to this app by path. */
  request(path: string, init?: RequestInit): Promise<Response>;
  api: OpenAPIHono<AdminEnv>;
}

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
