import { AdminUser, CreateUser, PendingCredentialRequest, SetPassword, UpdateUser } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, changeRoute, IdParam, listRoute } from "./kit.js";

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
    summary:
      "Ask to set another user's local password: filed for a second administrator, whose approval sets it (ending their sessions); it must be changed at its first sign-in",
    params: IdParam,
    body: SetPassword,
    status: 202,
    description: "filed: waits for a second administrator's approval",
    response: PendingCredentialRequest,
    work: (who, { params, body }) => ent.setUserPassword(who, params.id, body.password),
  });
}
