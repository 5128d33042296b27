import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonContent } from "@pea/http-kit";
import { buildLineage, queryAudit } from "@pea/policy-store";
import { AuditPage, AuditQueryParams, Lineage, PeaError, parseTimeBound } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, IdParam, keyErrors } from "./kit.js";

/**
 * What the audit log holds (scope `audit`): GET /v1/audit, the log by time (ISO or 10m, 24h),
 * principal, run, decision, reason and kind, a page at a time; GET /v1/runs/{id}/lineage, a run
 * rebuilt from it.
 */
export function auditRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const route = areaRoutes(app, auth, "audit", "audit");
  const keyRefused = keyErrors("the key lacks the audit scope");

  route(
    {
      method: "get",
      path: "/v1/audit",
      summary: "Audit entries (decisions and changes) matching every filter, newest first, paged both ways by seq",
      request: { query: AuditQueryParams },
      responses: {
        200: jsonContent(AuditPage, "one page"),
        400: errorDoc("a query parameter cannot be read"),
        ...keyRefused,
      },
    },
    async (c) => {
      const q = c.req.valid("query");
      const now = engine.now();
      const page = await queryAudit(engine.database, {
        ...q,
        since: q.since ? parseTimeBound(q.since, now) : undefined,
        until: q.until ? parseTimeBound(q.until, now) : undefined,
      });
      return c.json(page, 200);
    },
  );

  route(
    {
      method: "get",
      path: "/v1/runs/{id}/lineage",
      summary: "Who delegated what to whom, every decision in order, approvals, outcomes and revocations",
      request: { params: IdParam },
      responses: {
        200: jsonContent(Lineage, "the run's lineage"),
        ...keyRefused,
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
