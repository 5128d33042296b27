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
import type { Logger } from "pino";
import { authorizeRoutes } from "./routes/authorize.js";
import { systemRoutes } from "./routes/system.js";

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
}

export function createPdpMetrics(): PdpMetrics {
  const registry = new MetricsRegistry();
  return {
    registry,
    decisions: registry.register(
      new Counter("pea_decisions_total", "Decisions answered, by decision and first reason"),
    ),
    latency: registry.register(new Histogram("pea_decision_duration_seconds", "Time to decide and record one request")),
  };
}

/** The PDP's HTTP app. Routes validate, call one function and map errors; nothing else. */
export function createPdpApp(deps: PdpDeps): OpenAPIHono<AppEnv> {
  const app = createApiApp({ logger: deps.logger, maxBodyBytes: deps.maxBodyBytes });
  const metrics = createPdpMetrics();
  app.use(
    "/v1/*",
    requireApiKey((key) => deps.engine.keys.verify(key), "authorize"),
  );
  systemRoutes(app, deps, metrics);
  authorizeRoutes(app, deps, metrics);
  mountDocs(app, {
    title: "PEA decision service",
    version: "1.0.0",
    description: "Pre-execution authorization for AI agents: ask before acting.",
  });
  return app;
}
