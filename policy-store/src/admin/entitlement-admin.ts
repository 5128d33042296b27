import * as agents from "./agents.js";
import { type AdminActor, type EntitlementAdminDeps, requireView } from "./context.js";
import * as credentialRequests from "./credential-requests.js";
import * as groups from "./groups.js";
import * as intents from "./intents.js";
import * as keys from "./keys.js";
import * as memberships from "./memberships.js";
import * as resources from "./resources.js";
import * as segments from "./segments.js";
import * as users from "./users.js";

/** A per-entity function without its first argument (the deps this class holds). */
type Bound<F> = F extends (deps: EntitlementAdminDeps, ...rest: infer A) => infer R ? (...rest: A) => R : never;

/**
 * Entitlement management for the admin app (and anything else that changes entitlements on a
 * person's behalf). Every change here:
 *   1. is authorized by PEA's own admin policies (policies/admin/) for the acting user,
 *   2. is validated (references exist, no agent without an owner, capabilities the schema knows),
 *   3. runs in one transaction with its audit record (recordChange: who, what, to what),
 *   4. bumps the entitlement version by the tables' triggers, which NOTIFY every PDP.
 * One file per entity beside this one holds the work; this class binds them to one store.
 */
export class EntitlementAdmin {
  constructor(private readonly deps: EntitlementAdminDeps) {}

  readonly listUsers: Bound<typeof users.listUsers> = (...a) => users.listUsers(this.deps, ...a);
  readonly createUser: Bound<typeof users.createUser> = (...a) => users.createUser(this.deps, ...a);
  readonly updateUser: Bound<typeof users.updateUser> = (...a) => users.updateUser(this.deps, ...a);
  readonly setUserPassword: Bound<typeof users.setUserPassword> = (...a) => users.setUserPassword(this.deps, ...a);
  readonly changeOwnPassword: Bound<typeof users.changeOwnPassword> = (...a) =>
    users.changeOwnPassword(this.deps, ...a);

  readonly listAgents: Bound<typeof agents.listAgents> = (...a) => agents.listAgents(this.deps, ...a);
  readonly createAgent: Bound<typeof agents.createAgent> = (...a) => agents.createAgent(this.deps, ...a);
  readonly updateAgent: Bound<typeof agents.updateAgent> = (...a) => agents.updateAgent(this.deps, ...a);
  readonly grantAgentIntent: Bound<typeof agents.grantAgentIntent> = (...a) => agents.grantAgentIntent(this.deps, ...a);
  readonly revokeAgentIntent: Bound<typeof agents.revokeAgentIntent> = (...a) =>
    agents.revokeAgentIntent(this.deps, ...a);

  readonly listGroups: Bound<typeof groups.listGroups> = (...a) => groups.listGroups(this.deps, ...a);
  readonly createGroup: Bound<typeof groups.createGroup> = (...a) => groups.createGroup(this.deps, ...a);
  readonly listSegments: Bound<typeof segments.listSegments> = (...a) => segments.listSegments(this.deps, ...a);
  readonly createSegment: Bound<typeof segments.createSegment> = (...a) => segments.createSegment(this.deps, ...a);
  readonly grantMembership: Bound<typeof memberships.grantMembership> = (...a) =>
    memberships.grantMembership(this.deps, ...a);
  readonly revokeMembership: Bound<typeof memberships.revokeMembership> = (...a) =>
    memberships.revokeMembership(this.deps, ...a);

  readonly listIntents: Bound<typeof intents.listIntents> = (...a) => intents.listIntents(this.deps, ...a);
  readonly createIntent: Bound<typeof intents.createIntent> = (...a) => intents.createIntent(this.deps, ...a);
  readonly updateIntent: Bound<typeof intents.updateIntent> = (...a) => intents.updateIntent(this.deps, ...a);

  readonly listResources: Bound<typeof resources.listResources> = (...a) => resources.listResources(this.deps, ...a);
  readonly putResource: Bound<typeof resources.putResource> = (...a) => resources.putResource(this.deps, ...a);

  readonly listApiKeys: Bound<typeof keys.listApiKeys> = (...a) => keys.listApiKeys(this.deps, ...a);
  readonly createApiKey: Bound<typeof keys.createApiKey> = (...a) => keys.createApiKey(this.deps, ...a);
  readonly revokeApiKey: Bound<typeof keys.revokeApiKey> = (...a) => keys.revokeApiKey(this.deps, ...a);

  readonly listCredentialRequests: Bound<typeof credentialRequests.listCredentialRequests> = (...a) =>
    credentialRequests.listCredentialRequests(this.deps, ...a);
  readonly approveCredentialRequest: Bound<typeof credentialRequests.approveCredentialRequest> = (...a) =>
    credentialRequests.approveCredentialRequest(this.deps, ...a);
  readonly rejectCredentialRequest: Bound<typeof credentialRequests.rejectCredentialRequest> = (...a) =>
    credentialRequests.rejectCredentialRequest(this.deps, ...a);
  readonly collectApiKey: Bound<typeof credentialRequests.collectApiKey> = (...a) =>
    credentialRequests.collectApiKey(this.deps, ...a);

  /** Reading requires the admin:view permission (every role has it). */
  requireView(actor: AdminActor): Promise<void> {
    return requireView(this.deps, actor);
  }

  /** The entitlement version every PDP converges to after a change. */
  async entitlementVersion(): Promise<number> {
    const [row] = await this.deps.database.query<{ value: string | number }>(
      "SELECT value FROM pea_state WHERE key = 'entitlement_version'",
    );
    return Number(row?.value ?? 0);
  }
}
