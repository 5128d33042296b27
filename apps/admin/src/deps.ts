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
import type { OidcSettings, OidcSignIn } from "./oidc.js";
import type { SignInThrottle } from "./sign-in.js";

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
  /** Deepest nesting a JSON body may have (default 32). */
  maxJsonDepth?: number;
  secureCookies: boolean;
  /** Sign-in throttling (default: a fresh one for this app). */
  throttle?: SignInThrottle;
  /** Sign-in through the firm's OpenID Connect provider (absent: no such button). */
  oidc?: OidcSettings | undefined;
}

/** What the app's parts are given: the deps with every default filled in. */
export interface AppDeps extends Omit<AdminDeps, "oidc"> {
  maxJsonDepth: number;
  throttle: SignInThrottle;
  oidc: OidcSignIn | undefined;
}

export interface AdminApp {
  /** `env` carries the Node request (@hono/node-server passes it), for the client's address. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** For tests: a request to this app by path. */
  request(path: string, init?: RequestInit): Promise<Response>;
  api: OpenAPIHono<AdminEnv>;
}
