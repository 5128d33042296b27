import { z } from "@hono/zod-openapi";
import {
  AdminApiKey,
  type ApiKeyScope,
  CreateAdminApiKey,
  CreatedApiKey,
  CredentialRequest,
  PendingCredentialRequest,
} from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, changeRoute, IdParam, listRoute } from "./kit.js";

export function keyRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/keys",
    tag: "keys",
    summary: "API keys with their kind, binding and maker (never their secrets)",
    key: "keys",
    item: AdminApiKey,
    list: (who) => ent.listApiKeys(who),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/keys",
    tag: "keys",
    summary:
      "Create an API key: your own, a service or a gateway key at once (the key is in this answer only); a key for another person is filed for a second administrator (202)",
    body: CreateAdminApiKey,
    status: 201,
    description: "created",
    response: CreatedApiKey.extend({ status: z.literal("created") }),
    pending: PendingCredentialRequest,
    work: (who, { body }) => ent.createApiKey(who, { ...body, scopes: body.scopes as ApiKeyScope[] }),
  });
  changeRoute(app, deps, {
    method: "delete",
    path: "/api/v1/keys/{id}",
    tag: "keys",
    summary: "Revoke an API key (every PDP stops accepting it at once)",
    params: IdParam,
    change: (who, { params }) => ent.revokeApiKey(who, params.id),
  });
  credentialRequestRoutes(app, deps);
}

/** Credentials bound to another person: filed by one administrator, approved by a second. */
function credentialRequestRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/credential-requests",
    tag: "keys",
    summary: "Requests for another person's key or password, newest first",
    key: "requests",
    item: CredentialRequest,
    list: (who) => ent.listCredentialRequests(who),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/credential-requests/{id}/approve",
    tag: "keys",
    summary:
      "Approve as a second administrator (never the requester, nor the person it is for): a password is set now, a key waits for its requester to collect it",
    params: IdParam,
    response: CredentialRequest,
    work: (who, { params }) => ent.approveCredentialRequest(who, params.id),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/credential-requests/{id}/reject",
    tag: "keys",
    summary: "Refuse a pending request (or, as its requester, withdraw it)",
    params: IdParam,
    response: CredentialRequest,
    work: (who, { params }) => ent.rejectCredentialRequest(who, params.id),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/credential-requests/{id}/collect",
    tag: "keys",
    summary: "As its requester, collect an approved key: minted now, shown in this answer only, once",
    params: IdParam,
    status: 201,
    description: "the key, shown once",
    response: CreatedApiKey,
    work: (who, { params }) => ent.collectApiKey(who, params.id),
  });
}
