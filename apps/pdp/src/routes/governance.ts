import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { grantWallCrossing, listWallCrossings, reportOutcome, revokeWallCrossing } from "@pea/policy-store";
import { ErrorBody, OutcomeRequest, OutcomeResponse, PeaError, WallCrossing, WallCrossingRequest } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

const json = (schema: z.ZodTypeAny, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  400: json(ErrorBody, "the request cannot be read"),
  401: json(ErrorBody, "missing or invalid API key"),
  403: json(ErrorBody, "not allowed for this key"),
  404: json(ErrorBody, "not found"),
  409: json(ErrorBody, "already done"),
};

/**
 * POST /v1/decisions/{id}/outcome (what became of an allowed action: history and duties), and wall
 * crossings: POST/GET /v1/wall-crossings, POST /v1/wall-crossings/{id}/revoke (compliance officers only:
 * the API key must be bound to a user in Group "compliance").
 */
export function governanceRoutes(app: OpenAPIHono<AppEnv>, { engine, log, auth }: RouteDeps) {
  const store = () => {
    const inputs = engine.inputs();
    if ("decision" in inputs) throw new PeaError("not_ready", "the entitlement store is not available");
    return { database: engine.database, snapshot: inputs.snapshot, now: engine.now(), trust: engine.trust };
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/decisions/{id}/outcome",
      ...auth("authorize"),
      tags: ["decisions"],
      summary: "Report whether an allowed action executed (once per decision)",
      request: {
        params: z.object({ id: z.string().min(1).max(128) }),
        body: { required: true, content: { "application/json": { schema: OutcomeRequest } } },
      },
      responses: { 201: json(OutcomeResponse, "recorded"), ...errors },
    }),
    async (c) => {
      const caller = c.get("caller");
      const body = c.req.valid("json");
      const result = await reportOutcome(
        engine.database,
        log,
        { decisionId: c.req.valid("param").id, status: body.status, detail: body.detail },
        { apiKeyId: caller.id, now: engine.now(), isAdmin: caller.scopes.includes("admin") },
      );
      return c.json(result, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/wall-crossings",
      ...auth("authorize"),
      tags: ["barriers"],
      summary: "Bring a person over the wall for one issuer, with a reason, until an expiry",
      request: { body: { required: true, content: { "application/json": { schema: WallCrossingRequest } } } },
      responses: { 201: json(WallCrossing, "granted"), ...errors },
    }),
    async (c) => {
      const { userId, id } = c.get("caller");
      const crossing = await grantWallCrossing(store(), c.req.valid("json"), userId, id);
      return c.json(crossing, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/wall-crossings",
      ...auth("authorize"),
      tags: ["barriers"],
      summary: "Wall crossings, newest first",
      request: { query: z.object({ user: z.string().min(1).max(256).optional() }) },
      responses: { 200: json(z.object({ crossings: z.array(WallCrossing) }), "the crossings"), ...errors },
    }),
    async (c) => {
      const crossings = await listWallCrossings(engine.database, {
        user: c.req.valid("query").user,
        now: engine.now(),
      });
      return c.json({ crossings }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/wall-crossings/{id}/revoke",
      ...auth("authorize"),
      tags: ["barriers"],
      summary: "End a wall crossing now",
      request: { params: z.object({ id: z.string().min(1).max(128) }) },
      responses: { 200: json(WallCrossing, "revoked"), ...errors },
    }),
    async (c) => {
      const { userId, id } = c.get("caller");
      const crossing = await revokeWallCrossing(store(), c.req.valid("param").id, userId, id);
      return c.json(crossing, 200);
    },
  );
}
