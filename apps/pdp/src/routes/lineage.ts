import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { buildLineage } from "@pea/policy-store";
import { ErrorBody, Lineage, PeaError } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

/** GET /v1/runs/{id}/lineage: the run rebuilt from the audit log (scope `audit`). */
export function lineageRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/lineage",
      ...auth("audit"),
      tags: ["audit"],
      summary: "Who delegated what to whom, every decision in order, approvals, outcomes and revocations",
      request: { params: z.object({ id: z.string().min(1).max(128) }) },
      responses: {
        200: { description: "the run's lineage", content: { "application/json": { schema: Lineage } } },
        401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
        403: { description: "the key lacks the audit scope", content: { "application/json": { schema: ErrorBody } } },
        404: {
          description: "no such run and nothing recorded for it",
          content: { "application/json": { schema: ErrorBody } },
        },
      },
    }),
    async (c) => {
      const lineage = await buildLineage(engine.database, c.req.valid("param").id);
      if (!lineage) throw new PeaError("not_found", "no such run");
      return c.json(lineage, 200);
    },
  );
}
