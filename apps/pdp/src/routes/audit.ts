import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import { buildLineage, queryAudit } from "@pea/policy-store";
import { AuditPage, AuditQueryParams, Lineage, parseTimeBound } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, getById, keyErrors } from "./kit.js";

/**
 * What the audit log holds (scope `audit`): GET /v1/audit, the log by time (ISO or 10m, 24h),
 * principal, run, decision, reason and kind, a page at a time; GET /v1/runs/{id}/lineage, a run
 * rebuilt from it.
 */
export function auditRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const route = areaRoutes(app, {
    tag: "audit",
    access: auth("audit"),
    errors: keyErrors("the key lacks the audit scope"),
  });

  route(
    {
      method: "get",
      path: "/v1/audit",
      summary: "Audit entries (decisions and changes) matching every filter, newest first, paged both ways by seq",
      query: AuditQueryParams,
      answers: { 200: jsonContent(AuditPage, "one page") },
      errors: { 400: "a query parameter cannot be read" },
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

  getById(route, {
    path: "/v1/runs/{id}/lineage",
    summary: "Who delegated what to whom, every decision in order, approvals, outcomes and revocations",
    answer: Lineage,
    answered: "the run's lineage",
    missing: "no such run",
    errors: { 404: "no such run and nothing recorded for it" },
    find: (id) => buildLineage(engine.database, id),
  });
}
