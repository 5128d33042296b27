import { createRequire } from "node:module";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, createApiApp, MetricsRegistry, mountDocs, requireApiKey } from "@pea/http-kit";
import type { DecisionEngine, DecisionLog } from "@pea/policy-store";
import { type ApiKeyScope, apiKeyScopes } from "@pea/schemas";
import type { Logger } from "pino";
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
  /** Given by startPdp, which counts store errors the engine reports; else made here. */
  metrics?: PdpMetrics;
}

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** The PDP's metrics (GET /metrics). Register another with `metrics.registry.counter(name, help, labels)`. */
export function createPdpMetrics({ engine, log }: { engine: DecisionEngine; log: DecisionLog }) {
  const registry = new MetricsRegistry({ service: "pdp", version });
  const cache = engine.linkCache;
  const storeErrors = registry.counter("pea_store_errors_total", "Store operations that failed, by cause", ["cause"]);
  const auditBatch = registry.histogram(
    "pea_audit_batch_records",
    "Records committed per audit log write (group commit)",
    [],
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  );
  const auditWrite = registry.histogram("pea_audit_write_duration_seconds", "Time of one audit log write", ["result"]);
  log.onWrite(({ records, seconds, error }) => {
    auditWrite.observe({ result: error ? "error" : "ok" }, seconds);
    if (error) storeErrors.inc({ cause: "audit_write" });
    else auditBatch.observe(records);
  });
  registry.gauge("pea_ready", "1 when the PDP can decide", [], (g) => g.set(engine.status().ready ? 1 : 0));
  registry.counter(
    "pea_link_cache_lookups_total",
    "Single-link Cedar answers looked up in the decision cache, by result",
    ["result"],
    (c) => {
      c.reset();
      c.inc({ result: "hit" }, cache.hits);
      c.inc({ result: "miss" }, cache.misses);
    },
  );
  registry.gauge("pea_link_cache_hit_ratio", "Share of decision cache lookups answered from the cache", [], (g) =>
    g.set(cache.hits + cache.misses > 0 ? cache.hits / (cache.hits + cache.misses) : 0),
  );
  return {
    registry,
    storeErrors,
    decisions: registry.counter("pea_decisions_total", "Decisions answered, by decision and first reason", [
      "decision",
      "reason",
    ]),
    latency: registry.histogram("pea_decision_duration_seconds", "Time to decide and record one request", [
      "endpoint",
      "decision",
    ]),
  };
}
export type PdpMetrics = ReturnType<typeof createPdpMetrics>;

/** Count one answered decision; a fail-closed deny for an unreachable store also counts as a store error. */
export function countDecision(
  metrics: PdpMetrics,
  endpoint: string,
  decision: string,
  reasons: string[],
  seconds: number,
) {
  metrics.latency.observe({ endpoint, decision }, seconds);
  metrics.decisions.inc({ decision, reason: reasons[0] ?? "none" });
  if (reasons.includes("store_unavailable")) metrics.storeErrors.inc({ cause: "decision_facts" });
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
  const metrics = deps.metrics ?? createPdpMetrics(deps);
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
