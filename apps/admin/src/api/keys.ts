import { AdminApiKey, type ApiKeyScope, CreateAdminApiKey, CreatedApiKey } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, changeRoute, IdParam, listRoute } from "./kit.js";

export function keyRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/keys",
    tag: "keys",
    summary: "API keys (never their secrets)",
    key: "keys",
    item: AdminApiKey,
    list: (who) => ent.listApiKeys(who),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/keys",
    tag: "keys",
    summary: "Create an API key bound to a user; the key is in this answer only",
    body: CreateAdminApiKey,
    status: 201,
    description: "created",
    response: CreatedApiKey,
    work: (who, { body }) =>
      ent.createApiKey(who, { name: body.name, userId: body.userId, scopes: body.scopes as ApiKeyScope[] }),
  });
  changeRoute(app, deps, {
    method: "delete",
    path: "/api/v1/keys/{id}",
    tag: "keys",
    summary: "Revoke an API key (every PDP stops accepting it at once)",
    params: IdParam,
    change: (who, { params }) => ent.revokeApiKey(who, params.id),
  });
}
