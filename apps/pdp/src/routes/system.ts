import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonContent, publicRoute } from "@pea/http-kit";
import type { RouteDeps } from "../deps.js";
import { areaRoutes } from "./kit.js";

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Readiness = z
  .object({
    ready: z.boolean(),
    store: z.boolean(),
    policies: z.boolean(),
    policyVersion: z.string().nullable(),
    entitlementVersion: z.number().nullable(),
    problems: z.array(z.string()),
  })
  .openapi("Readiness");

export function systemRoutes(app: OpenAPIHono<AppEnv>, { engine, metrics, readyProbeMs = 1000 }: RouteDeps) {
  const route = areaRoutes(app, { tag: "system", access: publicRoute });

  route(
    {
      method: "get",
      path: "/healthz",
      summary: "The process is alive",
      answers: { 200: jsonContent(Health, "alive") },
    },
    (c) => c.json({ status: "ok" as const }, 200),
  );

  route(
    {
      method: "get",
      path: "/readyz",
      summary: "The store answers a probe in time and a valid policy set is loaded (503 until then)",
      answers: { 200: jsonContent(Readiness, "ready"), 503: jsonContent(Readiness, "not ready") },
    },
    async (c) => {
      const s = await engine.readiness(readyProbeMs);
      const body = { ...s, policyVersion: s.policyVersion ?? null, entitlementVersion: s.entitlementVersion ?? null };
      return s.ready ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.render());
  });
}
