import { AdminIntent, CreateIntent, UpdateIntent } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, changeRoute, IdParam, listRoute } from "./kit.js";

export function intentRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/intents",
    tag: "intents",
    summary: "Intents, their capability sets and the agents holding them",
    key: "intents",
    item: AdminIntent,
    list: (who) => ent.listIntents(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/intents",
    tag: "intents",
    summary: "Create an intent with its capability set (each action must apply to its resource type)",
    body: CreateIntent,
    status: 201,
    description: "created",
    change: (who, { body }) => ent.createIntent(who, body),
  });
  changeRoute(app, deps, {
    method: "patch",
    path: "/api/v1/intents/{id}",
    tag: "intents",
    summary: "Change an intent's description or replace its capability set",
    params: IdParam,
    body: UpdateIntent,
    change: (who, { params, body }) => ent.updateIntent(who, params.id, body),
  });
}
