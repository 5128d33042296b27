import { AdminUser, CreateUser, SetPassword, UpdateUser } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, changeRoute, IdParam, listRoute, Ok } from "./kit.js";

export function userRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/users",
    tag: "people",
    summary: "Users with their groups and segments",
    key: "users",
    item: AdminUser,
    list: (who) => ent.listUsers(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/users",
    tag: "people",
    summary: "Create a user",
    body: CreateUser,
    status: 201,
    description: "created",
    change: (who, { body }) => ent.createUser(who, body),
  });
  changeRoute(app, deps, {
    method: "patch",
    path: "/api/v1/users/{id}",
    tag: "people",
    summary: "Change a user's name, e-mail or status (suspend, revoke, reactivate)",
    params: IdParam,
    body: UpdateUser,
    change: (who, { params, body }) => ent.updateUser(who, params.id, body),
  });
  actionRoute(app, {
    method: "put",
    path: "/api/v1/users/{id}/password",
    tag: "people",
    summary: "Set another user's local password (scrypt); ends their sessions",
    params: IdParam,
    body: SetPassword,
    response: Ok,
    work: async (who, { params, body }) => {
      await ent.setUserPassword(who, params.id, body.password);
      return { ok: true as const };
    },
  });
}
