import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { queryAudit } from "@pea/policy-store";
import { AuditPage, AuditQueryParams, ErrorBody } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

const errorResponses = {
  400: { description: "a query parameter cannot be read", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "the key lacks the audit scope", content: { "application/json": { schema: ErrorBody } } },
};

/** GET /v1/audit: the audit log by time, principal, run, decision and reason, a page at a time. */
export function auditRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/audit",
      ...auth("audit"),
      tags: ["audit"],
      summary: "Audit entries (decisions and changes) matching every filter, oldest first, paginated by seq",
      request: { query: AuditQueryParams },
      responses: {
        200: { description: "one page", content: { "application/json": { schema: AuditPage } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await queryAudit(engine.database, {
        ...q,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
      return c.json(page, 200);
    },
  );
}
