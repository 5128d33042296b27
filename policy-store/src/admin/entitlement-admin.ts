import { entitlementVersion } from "../engine/snapshot.js";
import { createAgent, grantAgentIntent, listAgents, revokeAgentIntent, updateAgent } from "./agents.js";
import { type AdminActor, type EntitlementAdminDeps, requireView } from "./context.js";
import {
  approveCredentialRequest,
  collectApiKey,
  listCredentialRequests,
  rejectCredentialRequest,
} from "./credential-requests.js";
import { createGroup, createSegment, listGroups, listSegments } from "./groups.js";
import { createIntent, listIntents, updateIntent } from "./intents.js";
import { createApiKey, listApiKeys, revokeApiKey } from "./keys.js";
import { grantMembership, revokeMembership } from "./memberships.js";
import { listResources, putResource } from "./resources.js";
import { changeOwnPassword, createUser, listUsers, setUserPassword, updateUser } from "./users.js";

/** What an administrator can do to entitlements, one function per change or list (each file per entity). */
const operations = {
  listUsers,
  createUser,
  updateUser,
  setUserPassword,
  changeOwnPassword,
  listAgents,
  createAgent,
  updateAgent,
  grantAgentIntent,
  revokeAgentIntent,
  listGroups,
  createGroup,
  listSegments,
  createSegment,
  grantMembership,
  revokeMembership,
  listIntents,
  createIntent,
  updateIntent,
  listResources,
  putResource,
  listApiKeys,
  createApiKey,
  revokeApiKey,
  listCredentialRequests,
  approveCredentialRequest,
  rejectCredentialRequest,
  collectApiKey,
};

/** A per-entity function without its first argument (the deps the store binds). */
type Bound<F> = F extends (deps: EntitlementAdminDeps, ...rest: infer A) => infer R ? (...rest: A) => R : never;
type Operations = { [K in keyof typeof operations]: Bound<(typeof operations)[K]> };

export interface EntitlementAdmin extends Operations {
  /** Reading requires the admin:view permission (every role has it). */
  requireView(actor: AdminActor): Promise<void>;
  /** The entitlement version every PDP converges to after a change. */
  entitlementVersion(): Promise<number>;
}

/**
 * Entitlement management for the admin app (and anything else that changes entitlements on a
 * person's behalf), bound to one store. Every change:
 *   1. is authorized by PEA's own admin policies (policies/admin/) for the acting user,
 *   2. is validated (references exist, no agent without an owner, capabilities the schema knows),
 *   3. runs in one transaction with its audit record (recordChange: who, what, to what),
 *   4. bumps the entitlement version by the tables' triggers, which NOTIFY every PDP.
 */
export function entitlementAdmin(deps: EntitlementAdminDeps): EntitlementAdmin {
  const bound = Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      (...rest: unknown[]) => (operation as (deps: EntitlementAdminDeps, ...rest: unknown[]) => unknown)(deps, ...rest),
    ]),
  ) as Operations;
  return {
    ...bound,
    requireView: (actor) => requireView(deps, actor),
    entitlementVersion: () => entitlementVersion(deps.database),
  };
}
