import type { OpenAPIHono } from "@hono/zod-openapi";
import {
  type AppEnv,
  Counter,
  createApiApp,
  Histogram,
  MetricsRegistry,
  mountDocs,
  requireApiKey,
} from "@pea/http-kit";
import type { DecisionEngine, DecisionLog } from "@pea/policy-store";
import { type ApiKeyScope, apiKeyScopes } from "@pea/schemas";
import type { Logger } from "pino";
import { failClosedReporter } from "./fail-closed.js";
import { auditRoutes } from "./routes/audit.js";
import { authorizeRoutes } from "./routes/authorize.js";
import { authzenPrefix, authzenRoutes } from "./routes/authzen.js";
import { governanceRoutes } from "./routes/governance.js";
import { lineageRoutes } from "./routes/lineage.js";
import { policyRoutes } from "./routes/policy.js";
import { runRoutes } from "./routes/runs.js";
import { systemRoutes } from "./routes/system.js";
import { trustRoutes } from "./routes/trust.js";

export interface PdpDeps {
  engine: DecisionEngine;
  log: DecisionLog;
  logger: Logger;
  maxBodyBytes: number;
}

export interface PdpMetrics {
  registry: MetricsRegistry;
  decisions: Counter;
  latency: Histogram;
  /** Count (and log, rate-limited) a decision's first reason when it is a fail-closed cause. */
  failClosed: (reason: { code: string; message?: string } | undefined) => void;
}

export function createPdpMetrics(logger: Logger): PdpMetrics {
  const registry = new MetricsRegistry();
  const failClosed = registry.register(
    new Counter("pea_fail_closed_total", "Denies given because something failed (fail-closed), by cause"),
  );
  return {
    registry,
    failClosed: failClosedReporter(logger, failClosed),
    decisions: registry.register(
      new Counter("pea_decisions_total", "Decisions answered, by decision and first reason"),
    ),
    latency: registry.register(new Histogram("pea_decision_duration_seconds", "Time to decide and record one request")),
  };
}

/** The API key scope a /v1 path needs. */
export function scopeForPath(path: string): ApiKeyScope {
  if (path.startsWith("/v1/approvals")) return "approvals";
  if (/^\/v1\/runs\/[^/]+\/lineage$/.test(path)) return "audit";
  if (path.startsWith("/v1/runs")) return "runs";
  if (path.startsWith("/v1/revocations")) return "admin";
  if (path.startsWith("/v1/audit")) return "audit";
  return "authorize";
}

/** The PDP's HTTP app. Routes validate, call one function and map errors; nothing else. */
export function createPdpApp(deps: PdpDeps): OpenAPIHono<AppEnv> {
  const app = createApiApp({
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
    badContentTypeIs400: (path) => path.startsWith(authzenPrefix),
  });
  const metrics = createPdpMetrics(deps.logger);
  // Each /v1 route family needs its own scope (`admin` implies every scope).
  const verify = (key: string) => deps.engine.keys.verify(key);
  const byScope = new Map(apiKeyScopes.map((scope) => [scope, requireApiKey(verify, scope)] as const));
  const adminOnly = requireApiKey(verify, "admin");
  app.use("/v1/*", (c, next) => (byScope.get(scopeForPath(c.req.path)) ?? adminOnly)(c, next));
  // AuthZEN (/access/v1/*) is decisions: the same keys, scope `authorize`.
  app.use(`${authzenPrefix}*`, requireApiKey(verify, "authorize"));
  systemRoutes(app, deps, metrics);
  authorizeRoutes(app, deps, metrics);
  authzenRoutes(app, deps, metrics);
  runRoutes(app, deps);
  policyRoutes(app, deps);
  governanceRoutes(app, deps);
  trustRoutes(app, deps);
  auditRoutes(app, deps);
  lineageRoutes(app, deps);
  mountDocs(app, {
    title: "PEA decision service",
    version: "1.0.0",
    description: "Pre-execution authorization for AI agents: ask before acting.",
  });
  return app;
}
