// What the PDP's routes are built from: a leaf module, so app.ts and the routes do not import each other.
import type { RouteAuth } from "@pea/http-kit";
import type { DecisionEngine, DecisionEvent, DecisionLog } from "@pea/policy-store";
import type { ApiKeyScope } from "@pea/schemas";
import type { Logger } from "pino";
import type { PdpMetrics } from "./metrics.js";

export interface PdpDeps {
  engine: DecisionEngine;
  log: DecisionLog;
  logger: Logger;
  maxBodyBytes: number;
  /** /readyz: how long the store has to answer its probe (default 1000 ms). */
  readyProbeMs?: number;
  /** Given by startPdp, which counts store errors the engine reports; else made here. */
  metrics?: PdpMetrics;
}

/** The deps every route module is given: the app's deps, its metrics, and how a route declares its scope. */
export interface RouteDeps extends PdpDeps {
  metrics: PdpMetrics;
  auth: (scope: ApiKeyScope) => RouteAuth;
  /** Told of every decision (authorize(): metrics are taken per decision in the pipeline). */
  observe: (event: DecisionEvent) => void;
}
