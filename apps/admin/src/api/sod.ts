import { SodConflictBody, WallCrossing, WallCrossingGrant } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, changeRoute, IdParam, listRoute } from "./kit.js";

/** Separation of duties: declared conflicts, and wall crossings over the information barrier. */
export function sodRoutes(app: AdminApi, deps: AppDeps): void {
  const ov = deps.oversight;
  const tag = "separation of duties";
  listRoute(app, {
    path: "/api/v1/sod-conflicts",
    tag,
    summary: "Declared SoD conflicts (group pairs nobody may hold together)",
    key: "conflicts",
    item: SodConflictBody,
    list: (who) => ov.listSodConflicts(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/sod-conflicts",
    tag,
    summary: "Declare a conflict (compliance); refused if someone already holds both",
    body: SodConflictBody,
    status: 201,
    description: "declared",
    change: (who, { body }) => ov.declareSodConflict(who, body),
  });
  listRoute(app, {
    path: "/api/v1/wall-crossings",
    tag,
    summary: "Wall crossings, newest first",
    key: "crossings",
    item: WallCrossing,
    list: (who) => ov.listWallCrossings(who),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/wall-crossings",
    tag,
    summary: "Bring a person over the wall for one issuer until an expiry (compliance, never for oneself)",
    body: WallCrossingGrant,
    status: 201,
    description: "granted",
    response: WallCrossing,
    work: (who, { body }) => ov.grantWallCrossing(who, body),
  });
  actionRoute(app, {
    method: "delete",
    path: "/api/v1/wall-crossings/{id}",
    tag,
    summary: "Revoke a wall crossing: the person's next decision is denied",
    params: IdParam,
    response: WallCrossing,
    work: (who, { params }) => ov.revokeWallCrossing(who, params.id),
  });
}
