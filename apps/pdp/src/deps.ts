// What the PDP's routes are built from: a leaf module, so app.ts and the routes do not import each other.
import { Counter, Histogram, MetricsRegistry, type RouteAuth } from "@pea/http-kit";
import type { DecisionEngine, DecisionEvent, DecisionLog } from "@pea/policy-store";
import type { ApiKeyScope } from "@pea/schemas";
import type { Logger } from "pino";
import { failClosedReporter } from "./fail-closed.js";

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

/** The deps every route module is given: the app's deps, its metrics, and how a route declares its scope. */
export interface RouteDeps extends PdpDeps {
  metrics: PdpMetrics;
  auth: (scope: ApiKeyScope) => RouteAuth;
  /** Told of every decision (authorize(): metrics are taken per decision in the pipeline). */
  observe: (event: DecisionEvent) => void;
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
