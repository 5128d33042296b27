import type { OpenAPIHono } from "@hono/zod-openapi";
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
import type { AdminEnv } from "./auth.js";

// The admin app's shared types, in a leaf module so that the app, its API and its UI all import
// them without importing each other.

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
}

export interface AdminApp {
  fetch(request: Request): Promise<Response>;
  /** For tests: a request to this app by path. */
  request(path: string, init?: RequestInit): Promise<Response>;
  api: OpenAPIHono<AdminEnv>;
}
