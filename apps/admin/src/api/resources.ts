import { z } from "@hono/zod-openapi";
import { AdminResource, PutResource } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, changeRoute, listRoute } from "./kit.js";

export function resourceRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/resources",
    tag: "resources",
    summary: "Registered resources and their governance attributes",
    key: "resources",
    item: AdminResource,
    list: (who) => ent.listResources(who),
  });
  changeRoute(app, deps, {
    method: "put",
    path: "/api/v1/resources/{type}/{id}",
    tag: "resources",
    summary: "Register or replace a resource's governance attributes (checked against the Cedar schema)",
    params: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(256) }),
    body: PutResource,
    withResult: true,
    change: (who, { params, body }) =>
      ent.putResource(who, { type: params.type, id: params.id, attributes: body.attributes, parents: body.parents }),
  });
}
