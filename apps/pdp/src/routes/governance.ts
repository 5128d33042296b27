import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonBody, jsonContent } from "@pea/http-kit";
import { grantWallCrossing, listWallCrossings, reportOutcome, revokeWallCrossing } from "@pea/policy-store";
import { OutcomeRequest, OutcomeResponse, PeaError, WallCrossing, WallCrossingRequest } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, IdParam, keyErrors } from "./kit.js";

const errors = {
  400: errorDoc("the request cannot be read"),
  ...keyErrors("not allowed for this key"),
  404: errorDoc("not found"),
  409: errorDoc("already done"),
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
  const decisions = areaRoutes(app, auth, "decisions", "authorize");
  const barriers = areaRoutes(app, auth, "barriers", "authorize");

  decisions(
    {
      method: "post",
      path: "/v1/decisions/{id}/outcome",
      summary: "Report whether an allowed action executed (once per decision)",
      request: { params: IdParam, ...jsonBody(OutcomeRequest) },
      responses: { 201: jsonContent(OutcomeResponse, "recorded"), ...errors },
    },
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

  barriers(
    {
      method: "post",
      path: "/v1/wall-crossings",
      summary: "Bring a person over the wall for one issuer, with a reason, until an expiry",
      request: jsonBody(WallCrossingRequest),
      responses: { 201: jsonContent(WallCrossing, "granted"), ...errors },
    },
    async (c) => {
      const { userId, id } = c.get("caller");
      const crossing = await grantWallCrossing(store(), c.req.valid("json"), userId, id);
      return c.json(crossing, 201);
    },
  );

  barriers(
    {
      method: "get",
      path: "/v1/wall-crossings",
      summary: "Wall crossings, newest first",
      request: { query: z.object({ user: z.string().min(1).max(256).optional() }) },
      responses: { 200: jsonContent(z.object({ crossings: z.array(WallCrossing) }), "the crossings"), ...errors },
    },
    async (c) => {
      const crossings = await listWallCrossings(engine.database, {
        user: c.req.valid("query").user,
        now: engine.now(),
      });
      return c.json({ crossings }, 200);
    },
  );

  barriers(
    {
      method: "post",
      path: "/v1/wall-crossings/{id}/revoke",
      summary: "End a wall crossing now",
      request: { params: IdParam },
      responses: { 200: jsonContent(WallCrossing, "revoked"), ...errors },
    },
    async (c) => {
      const { userId, id } = c.get("caller");
      const crossing = await revokeWallCrossing(store(), c.req.valid("param").id, userId, id);
      return c.json(crossing, 200);
    },
  );
}
