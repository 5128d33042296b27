import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import { grantWallCrossing, listWallCrossings, reportOutcome, revokeWallCrossing } from "@pea/policy-store";
import { OutcomeRequest, OutcomeResponse, PeaError, WallCrossing, WallCrossingRequest } from "@pea/schemas";
import type { Context } from "hono";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, IdParam, keyErrors } from "./kit.js";

const errors = {
  400: "the request cannot be read",
  ...keyErrors("not allowed for this key"),
  404: "not found",
  409: "already done",
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
  /** Who grants or revokes a crossing: the user the key is bound to (it must be an officer), and the key. */
  const officer = (c: Context<AppEnv>) => [c.get("caller").userId, c.get("caller").id] as const;
  const decisions = areaRoutes(app, { tag: "decisions", access: auth("authorize"), errors });
  const barriers = areaRoutes(app, { tag: "barriers", access: auth("authorize"), errors });

  decisions(
    {
      method: "post",
      path: "/v1/decisions/{id}/outcome",
      summary: "Report whether an allowed action executed (once per decision)",
      params: IdParam,
      body: OutcomeRequest,
      answers: { 201: jsonContent(OutcomeResponse, "recorded") },
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
      body: WallCrossingRequest,
      answers: { 201: jsonContent(WallCrossing, "granted") },
    },
    async (c) => c.json(await grantWallCrossing(store(), c.req.valid("json"), ...officer(c)), 201),
  );

  barriers(
    {
      method: "get",
      path: "/v1/wall-crossings",
      summary: "Wall crossings, newest first",
      query: z.object({ user: z.string().min(1).max(256).optional() }),
      answers: { 200: jsonContent(z.object({ crossings: z.array(WallCrossing) }), "the crossings") },
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
      params: IdParam,
      answers: { 200: jsonContent(WallCrossing, "revoked") },
    },
    async (c) => c.json(await revokeWallCrossing(store(), c.req.valid("param").id, ...officer(c)), 200),
  );
}
