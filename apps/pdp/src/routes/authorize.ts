import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { authorize } from "@pea/policy-store";
import {
  type ApiKeyPrincipal,
  AuthorizeBatchRequest,
  AuthorizeBatchResponse,
  type AuthorizeRequest,
  AuthorizeRequest as AuthorizeRequestSchema,
  AuthorizeResponse,
  ErrorBody,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

const errors = {
  400: {
    description: "the request cannot be read; the message names the field",
    content: { "application/json": { schema: ErrorBody } },
  },
  401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  413: { description: "body too large", content: { "application/json": { schema: ErrorBody } } },
};

export function authorizeRoutes(app: OpenAPIHono<AppEnv>, deps: RouteDeps) {
  const { auth } = deps;
  const decideOne = (request: AuthorizeRequest, speaker: ApiKeyPrincipal, endpoint: string) =>
    authorize(request, { speaker }, deps, endpoint);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/authorize",
      ...auth("authorize"),
      tags: ["decisions"],
      summary: "Ask before acting: allow (with artifact) or deny (with reasons)",
      description: 'A policy deny is a 200 with decision "deny"; 4xx only when the request cannot be read.',
      request: { body: { required: true, content: { "application/json": { schema: AuthorizeRequestSchema } } } },
      responses: {
        200: { description: "the decision", content: { "application/json": { schema: AuthorizeResponse } } },
        ...errors,
      },
    }),
    async (c) => c.json(await decideOne(c.req.valid("json"), c.get("caller"), "authorize"), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/authorize/batch",
      ...auth("authorize"),
      tags: ["decisions"],
      summary: "Up to 100 decisions in one call, answered in order",
      request: { body: { required: true, content: { "application/json": { schema: AuthorizeBatchRequest } } } },
      responses: {
        200: {
          description: "one decision per request, in order",
          content: { "application/json": { schema: AuthorizeBatchResponse } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const caller = c.get("caller");
      const { requests } = c.req.valid("json");
      return c.json(
        { responses: await Promise.all(requests.map((r) => decideOne(r, caller, "authorize_batch"))) },
        200,
      );
    },
  );
}
