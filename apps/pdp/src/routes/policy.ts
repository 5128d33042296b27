import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { ErrorBody, PolicyStatusResponse } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

/** GET /v1/policy: what this PDP process serves (published version or policy directory). */
export function policyRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/policy",
      ...auth("authorize"),
      tags: ["policy"],
      summary: "The active policy version, its shadow candidate, and any version this process refused to load",
      responses: {
        200: { description: "the policy state", content: { "application/json": { schema: PolicyStatusResponse } } },
        401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
        403: {
          description: "the key lacks the authorize scope",
          content: { "application/json": { schema: ErrorBody } },
        },
      },
    }),
    (c) => {
      const info = engine.policyInfo();
      const active = info.active;
      const body: PolicyStatusResponse = {
        active: !active
          ? null
          : active.kind === "directory"
            ? { source: "directory", version: active.version, policies: active.policies, loadedAt: active.loadedAt }
            : {
                source: "published",
                version: active.version,
                policies: active.policies,
                loadedAt: active.loadedAt,
                published: {
                  contentHash: active.published.contentHash,
                  gitCommit: active.published.gitCommit,
                  author: active.published.author,
                  message: active.published.message,
                  createdAt: active.published.createdAt,
                  keyId: active.published.keyId,
                },
                activation: {
                  seq: active.activation.seq,
                  kind: active.activation.kind,
                  requestedBy: active.activation.requestedBy,
                  approvedBy: active.activation.approvedBy,
                  createdAt: active.activation.createdAt,
                },
              },
        shadow: info.shadow ?? null,
        rejected: info.rejected ?? null,
      };
      return c.json(body, 200);
    },
  );
}
