import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, apiKeyAuth, createApiApp, mountDocs } from "@pea/http-kit";
import type { DecisionEvent } from "@pea/policy-store";
import type { PdpDeps, RouteDeps } from "./deps.js";
import { countDecision, createPdpMetrics } from "./metrics.js";
import { auditRoutes } from "./routes/audit.js";
import { authorizeRoutes } from "./routes/authorize.js";
import { authzenPrefix, authzenRoutes } from "./routes/authzen.js";
import { governanceRoutes } from "./routes/governance.js";
import { policyRoutes } from "./routes/policy.js";
import { runRoutes } from "./routes/runs.js";
import { systemRoutes } from "./routes/system.js";
import { trustRoutes } from "./routes/trust.js";

/** The PDP's HTTP app. Routes validate, call one function and map errors; nothing else. */
export function createPdpApp(deps: PdpDeps): OpenAPIHono<AppEnv> {
  const app = createApiApp({
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
    badContentTypeIs400: (path) => path.startsWith(authzenPrefix),
  });
  const metrics = deps.metrics ?? createPdpMetrics(deps);
  // Each route declares the key scope it needs where it is defined (`admin` implies every scope).
  const auth = apiKeyAuth((key) => deps.engine.keys.verifyFresh(key));
  // Metrics are taken per decision, inside the pipeline, whichever API asked.
  const observe = (event: DecisionEvent) => countDecision(metrics, event);
  const routeDeps: RouteDeps = { ...deps, observe, metrics, auth };
  for (const routes of [
    systemRoutes,
    authorizeRoutes,
    authzenRoutes,
    runRoutes,
    policyRoutes,
    governanceRoutes,
    trustRoutes,
    auditRoutes,
  ]) {
    routes(app, routeDeps);
  }
  mountDocs(app, {
    title: "PEA decision service",
    version: "1.0.0",
    description: "Pre-execution authorization for AI agents: ask before acting.",
  });
  return app;
}
