import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonContent } from "@pea/http-kit";
import { queryAudit } from "@pea/policy-store";
import { AuditPage, AuditQueryParams, parseTimeBound } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, keyErrors } from "./kit.js";

/** GET /v1/audit: the audit log by time (ISO or 10m, 24h), principal, run, decision, reason and kind, a page at a time. */
export function auditRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  areaRoutes(
    app,
    auth,
    "audit",
    "audit",
  )(
    {
      method: "get",
      path: "/v1/audit",
      summary: "Audit entries (decisions and changes) matching every filter, newest first, paged both ways by seq",
      request: { query: AuditQueryParams },
      responses: {
        200: jsonContent(AuditPage, "one page"),
        400: errorDoc("a query parameter cannot be read"),
        ...keyErrors("the key lacks the audit scope"),
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
}
