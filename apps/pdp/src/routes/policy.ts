import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import { PolicyStatusResponse } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, keyErrors } from "./kit.js";

/** GET /v1/policy: what this PDP process serves (published version or policy directory). */
export function policyRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const route = areaRoutes(app, {
    tag: "policy",
    access: auth("authorize"),
    errors: keyErrors("the key lacks the authorize scope"),
  });

  route(
    {
      method: "get",
      path: "/v1/policy",
      summary: "The active policy version, its shadow candidate, and any version this process refused to load",
      answers: { 200: jsonContent(PolicyStatusResponse, "the policy state") },
    },
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
