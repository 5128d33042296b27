import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonBody, jsonContent } from "@pea/http-kit";
import { authorize, type Consistency, probe } from "@pea/policy-store";
import {
  type ApiKeyPrincipal,
  AuthorizeBatchRequest,
  AuthorizeBatchResponse,
  type AuthorizeRequest,
  AuthorizeRequest as AuthorizeRequestSchema,
  AuthorizeResponse,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes } from "./kit.js";

const errors = {
  400: errorDoc("the request cannot be read; the message names the field"),
  401: errorDoc("missing or invalid API key"),
  413: errorDoc("body too large"),
};

/**
 * Read your writes: a caller that just changed entitlements (the admin API answers with the
 * PEA-Entitlement-Version it committed) may ask to be judged on that version or newer.
 */
const ConsistencyHeaders = z.object({
  "pea-entitlement-version": z.coerce.number().int().min(1).optional().openapi({
    description:
      "Judge on entitlements at least this new (from the admin API's PEA-Entitlement-Version answer); a PDP that cannot load them in time denies store_unavailable.",
  }),
});

export function authorizeRoutes(app: OpenAPIHono<AppEnv>, deps: RouteDeps) {
  const route = areaRoutes(app, deps.auth, "decisions", "authorize");
  const decideOne = (request: AuthorizeRequest, speaker: ApiKeyPrincipal, endpoint: string, consistency: Consistency) =>
    authorize(request, { speaker }, deps, endpoint, consistency);
  const consistencyOf = (headers: { "pea-entitlement-version"?: number | undefined }): Consistency => ({
    atLeastEntitlementVersion: headers["pea-entitlement-version"],
  });

  route(
    {
      method: "post",
      path: "/v1/authorize",
      summary: "Ask before acting: allow (with artifact) or deny (with reasons)",
      description: 'A policy deny is a 200 with decision "deny"; 4xx only when the request cannot be read.',
      request: {
        headers: ConsistencyHeaders,
        ...jsonBody(AuthorizeRequestSchema),
      },
      responses: {
        200: jsonContent(AuthorizeResponse, "the decision"),
        ...errors,
      },
    },
    async (c) =>
      c.json(
        await decideOne(c.req.valid("json"), c.get("caller"), "authorize", consistencyOf(c.req.valid("header"))),
        200,
      ),
  );

  route(
    {
      method: "post",
      path: "/v1/authorize/batch",
      summary: "Up to 100 decisions in one call, answered in order",
      request: {
        headers: ConsistencyHeaders,
        ...jsonBody(AuthorizeBatchRequest),
      },
      responses: {
        200: jsonContent(AuthorizeBatchResponse, "one decision per request, in order"),
        ...errors,
      },
    },
    async (c) => {
      const caller = c.get("caller");
      const { requests } = c.req.valid("json");
      const consistency = consistencyOf(c.req.valid("header"));
      return c.json(
        { responses: await Promise.all(requests.map((r) => decideOne(r, caller, "authorize_batch", consistency))) },
        200,
      );
    },
  );

  route(
    {
      method: "post",
      path: "/v1/authorize/probe",
      summary: "Would these be allowed now? Up to 100, decided and recorded, acting on nothing",
      description:
        "The checks of /v1/authorize, recorded as decisions, but no artifact is signed, no approval opened or spent, nothing enters history, duties or business objects. An allow here permits nothing; it tells an enforcement point what it could offer (the MCP gateway's tools/list).",
      request: jsonBody(AuthorizeBatchRequest),
      responses: {
        200: jsonContent(AuthorizeBatchResponse, "one decision per request, in order (never with an artifact)"),
        ...errors,
      },
    },
    async (c) => {
      const speaker = c.get("caller");
      const { requests } = c.req.valid("json");
      return c.json({ responses: await Promise.all(requests.map((r) => probe(r, { speaker }, deps))) }, 200);
    },
  );
}
