import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonContent } from "@pea/http-kit";
import { buildLineage } from "@pea/policy-store";
import { Lineage, PeaError } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, IdParam, keyErrors } from "./kit.js";

/** GET /v1/runs/{id}/lineage: the run rebuilt from the audit log (scope `audit`). */
export function lineageRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  areaRoutes(
    app,
    auth,
    "audit",
    "audit",
  )(
    {
      method: "get",
      path: "/v1/runs/{id}/lineage",
      summary: "Who delegated what to whom, every decision in order, approvals, outcomes and revocations",
      request: { params: IdParam },
      responses: {
        200: jsonContent(Lineage, "the run's lineage"),
        ...keyErrors("the key lacks the audit scope"),
        404: errorDoc("no such run and nothing recorded for it"),
      },
    },
    async (c) => {
      const lineage = await buildLineage(engine.database, c.req.valid("param").id);
      if (!lineage) throw new PeaError("not_found", "no such run");
      return c.json(lineage, 200);
    },
  );
}
