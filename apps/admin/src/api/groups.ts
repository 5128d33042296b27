import { AdminGroup, AdminSegment, CreateGroup, Membership } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, changeRoute, listRoute } from "./kit.js";

/** Groups, information-barrier segments, and who is in them. */
export function groupRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/groups",
    tag: "groups",
    summary: "Groups with their members",
    key: "groups",
    item: AdminGroup,
    list: (who) => ent.listGroups(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/groups",
    tag: "groups",
    summary: "Create a group",
    body: CreateGroup,
    status: 201,
    description: "created",
    change: (who, { body }) => ent.createGroup(who, body),
  });
  listRoute(app, {
    path: "/api/v1/segments",
    tag: "groups",
    summary: "Information-barrier segments with their members",
    key: "segments",
    item: AdminSegment,
    list: (who) => ent.listSegments(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/segments",
    tag: "groups",
    summary: "Create a segment",
    body: CreateGroup,
    status: 201,
    description: "created",
    change: (who, { body }) => ent.createSegment(who, body),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/memberships",
    tag: "groups",
    summary: "Put a user, agent or group in a group or segment (SoD conflicts are refused)",
    body: Membership,
    status: 201,
    description: "granted",
    change: (who, { body }) => ent.grantMembership(who, body.member, body.parent),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/memberships/revoke",
    tag: "groups",
    summary: "Take a user, agent or group out of a group or segment",
    body: Membership,
    change: (who, { body }) => ent.revokeMembership(who, body.member, body.parent),
  });
}
