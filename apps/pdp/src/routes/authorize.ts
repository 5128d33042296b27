import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import { authorize, probe } from "@pea/policy-store";
import {
  type ApiKeyPrincipal,
  AuthorizeBatchRequest,
  AuthorizeBatchResponse,
  type AuthorizeRequest,
  AuthorizeRequest as AuthorizeRequestSchema,
  AuthorizeResponse,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, decisionArea } from "./kit.js";

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
  const route = areaRoutes(app, decisionArea("decisions", deps.auth("authorize")));
  /** Decides each request for `speaker`, recorded as asked at `endpoint`, on entitlements as new as `headers` ask. */
  const decider =
    (speaker: ApiKeyPrincipal, endpoint: string, headers: z.infer<typeof ConsistencyHeaders>) =>
    (request: AuthorizeRequest) =>
      authorize(request, { speaker }, deps, endpoint, {
        atLeastEntitlementVersion: headers["pea-entitlement-version"],
      });

  route(
    {
      method: "post",
      path: "/v1/authorize",
      summary: "Ask before acting: allow (with artifact) or deny (with reasons)",
      description: 'A policy deny is a 200 with decision "deny"; 4xx only when the request cannot be read.',
      headers: ConsistencyHeaders,
      body: AuthorizeRequestSchema,
      answers: { 200: jsonContent(AuthorizeResponse, "the decision") },
    },
    async (c) => c.json(await decider(c.get("caller"), "authorize", c.req.valid("header"))(c.req.valid("json")), 200),
  );

  route(
    {
      method: "post",
      path: "/v1/authorize/batch",
      summary: "Up to 100 decisions in one call, answered in order",
      headers: ConsistencyHeaders,
      body: AuthorizeBatchRequest,
      answers: { 200: jsonContent(AuthorizeBatchResponse, "one decision per request, in order") },
    },
    async (c) => {
      const decide = decider(c.get("caller"), "authorize_batch", c.req.valid("header"));
      return c.json({ responses: await Promise.all(c.req.valid("json").requests.map(decide)) }, 200);
    },
  );

  route(
    {
      method: "post",
      path: "/v1/authorize/probe",
      summary: "Would these be allowed now? Up to 100, decided and recorded, acting on nothing",
      description:
        "The checks of /v1/authorize, recorded as decisions, but no artifact is signed, no approval opened or spent, nothing enters history, duties or business objects. An allow here permits nothing; it tells an enforcement point what it could offer (the MCP gateway's tools/list).",
      body: AuthorizeBatchRequest,
      answers: {
        200: jsonContent(AuthorizeBatchResponse, "one decision per request, in order (never with an artifact)"),
      },
    },
    async (c) => {
      const ask = (request: AuthorizeRequest) => probe(request, { speaker: c.get("caller") }, deps);
      return c.json({ responses: await Promise.all(c.req.valid("json").requests.map(ask)) }, 200);
    },
  );
}
