import type { Database } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { recordChange } from "../audit/chain.js";
import type { EntityJson } from "../cedar/cedar.js";
import { evaluateLink, uniqueEntities } from "../cedar/evaluate.js";
import { type Decision, deny, forbidden, linkName } from "../decision/decision.js";
import type { DecisionInputs } from "../decision/inputs.js";
import type { DecisionEngine } from "../engine/engine.js";
import { entitlementVersion, loadSnapshot, type Snapshot } from "../engine/snapshot.js";

/** The admin actions of schemas/pea.cedarschema, authorized by policies/admin/. */
export const adminActions = [
  "admin:view",
  "admin:user.write",
  "admin:agent.write",
  "admin:membership.grant",
  "admin:membership.revoke",
  "admin:group.write",
  "admin:segment.write",
  "admin:intent.write",
  "admin:agent-intent.grant",
  "admin:agent-intent.revoke",
  "admin:resource.write",
  "admin:key.write",
  "admin:sod.write",
  "admin:wall.cross",
  "admin:approval.decide",
  "admin:run.control",
  "admin:audit.read",
  "admin:policy.read",
] as const;
export type AdminAction = (typeof adminActions)[number];

/** What an admin action would change, as PEA describes it to the admin policies. */
export interface AdminTarget {
  kind: string;
  /** The user whose own entitlements the change alters. */
  subject?: string | undefined;
  /** A group whose members' entitlements the change alters. */
  subjectGroup?: string | undefined;
  /** The agent the change alters. */
  agent?: string | undefined;
}

const readActions = new Set<AdminAction>(["admin:view", "admin:audit.read", "admin:policy.read"]);

/** Roles are groups (policies/admin/roles.cedar). */
export const adminRoles = {
  admin: "pea-admins",
  compliance: "pea-compliance",
  approver: "pea-approvers",
  auditor: "pea-auditors",
} as const;
export type AdminRole = keyof typeof adminRoles;

/**
 * Decide one admin action by the shipped policy set over an entitlement snapshot. Any evaluation
 * error is a deny, like every PEA decision.
 */
export function decideAdmin(
  actor: string,
  action: AdminAction,
  target: AdminTarget,
  inputs: Pick<DecisionInputs, "schema" | "policies">,
  snapshot: Snapshot,
): Decision {
  const user = snapshot.get("User", actor);
  if (!user) return deny("unknown_entity", `User::${actor} is not a known user`, { link: `User::${actor}` });
  const attrs: Record<string, unknown> = { kind: target.kind };
  if (target.subject !== undefined) attrs.subject = { __entity: { type: "User", id: target.subject } };
  if (target.subjectGroup !== undefined) attrs.subjectGroup = { __entity: { type: "Group", id: target.subjectGroup } };
  const extra: EntityJson[] = [];
  if (target.agent !== undefined) {
    const agent = snapshot.get("Agent", target.agent);
    if (!agent) return deny("unknown_entity", `Agent::${target.agent} is not a known agent`);
    attrs.agent = { __entity: { type: "Agent", id: target.agent } };
    extra.push(...snapshot.closure(agent));
  }
  const resource: EntityJson = {
    uid: { type: "AdminTarget", id: target.kind },
    attrs: attrs as EntityJson["attrs"],
    parents: [],
  };
  const link = linkName({ type: "User", id: actor });
  const slice = inputs.policies.slice("User", action, "AdminTarget");
  if (!slice) return deny("evaluation_error", `${action} on AdminTarget is not in the schema`, { link });
  const answer = evaluateLink({
    principal: { type: "User", id: actor },
    action,
    resource: { type: "AdminTarget", id: target.kind },
    context: {},
    policySetId: slice.preparsedId,
    entities: uniqueEntities(snapshot.closure(user), extra, [resource]),
    schemaName: inputs.schema.preparsedName,
  });
  if (answer.effect === "error") return deny("evaluation_error", answer.message, { link, policy: answer.policy });
  if (answer.effect === "allow") {
    return { decision: "allow", reasons: [], obligations: [], determiningPolicies: answer.policies };
  }
  if (answer.policies.length === 0) return deny("not_permitted", `your roles do not allow ${action}`, { link });
  return forbidden(answer.policies, inputs.policies, link, "a policy forbids this change");
}

/** Raised when PEA's admin policies refuse an action. */
export class AdminDeniedError extends PeaError {
  constructor(readonly decision: Decision) {
    super(...AdminDeniedError.codeAndMessage(decision));
  }

  /** The store could not be read: not a refusal by policy, the service is not ready. */
  private static codeAndMessage(decision: Decision): ["forbidden" | "not_ready", string] {
    const reason = decision.reasons[0];
    const message = decision.reasons.map((r) => r.message).join("; ") || "not permitted";
    if (reason?.code === "store_unavailable") return ["not_ready", message];
    return ["forbidden", `${message}${reason?.policy ? ` (policy ${reason.policy})` : ""}`];
  }
}

/**
 * Authorizes admin actions against the entitlements as they are in the store *now*: before each
 * check it compares the store's entitlement version with its snapshot's and reloads when behind,
 * so a role just granted or revoked counts at once (not after the change feed catches up).
 */
export class AdminAuthorizer {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  private readonly allowedCache = new Map<string, Set<AdminAction>>();

  constructor(
    private readonly database: Database,
    private readonly engine: DecisionEngine,
  ) {}

  /** The entitlements as they are in the store now (for checks made below the admin app). */
  freshSnapshot(): Promise<Snapshot> {
    return this.currentSnapshot();
  }

  private async currentSnapshot(): Promise<Snapshot> {
    const version = await entitlementVersion(this.database);
    const candidates = [this.snapshot, this.engineSnapshot()].filter((s): s is Snapshot => s !== undefined);
    const fresh = candidates.find((s) => s.version >= version);
    if (fresh) return fresh;
    this.loading ??= loadSnapshot(this.database).finally(() => {
      this.loading = undefined;
    });
    const loaded = await this.loading;
    if (!this.snapshot || loaded.version >= this.snapshot.version) this.snapshot = loaded;
    return loaded;
  }

  private engineSnapshot(): Snapshot | undefined {
    const inputs = this.engine.inputs();
    return "snapshot" in inputs ? inputs.snapshot : undefined;
  }

  /** The decision for one admin action (never throws: faults are a deny). */
  async decide(actor: string, action: AdminAction, target: AdminTarget): Promise<Decision> {
    return (await this.decideMany(actor, [[action, target]]))[0] as Decision;
  }

  /** Several decisions over one snapshot. */
  async decideMany(actor: string, requests: Array<[AdminAction, AdminTarget]>): Promise<Decision[]> {
    const inputs = this.engine.inputs();
    if ("decision" in inputs) return requests.map(() => inputs);
    // Held until decided: a policy swap while the snapshot loads frees this set only after.
    const release = inputs.policies.hold();
    try {
      let snapshot: Snapshot;
      try {
        snapshot = await this.currentSnapshot();
      } catch {
        return requests.map(() => deny("store_unavailable"));
      }
      return requests.map(([action, target]) => {
        try {
          return decideAdmin(actor, action, target, inputs, snapshot);
        } catch (error) {
          return deny("evaluation_error", (error as Error).message);
        }
      });
    } finally {
      release();
    }
  }

  /** Throws AdminDeniedError unless the policies allow the action. */
  async require(actor: string, action: AdminAction, target: AdminTarget): Promise<void> {
    const decision = await this.decide(actor, action, target);
    if (decision.decision === "allow") return;
    // A refused attempt to change something is itself worth an auditor's eye (self-grants above all).
    if (!readActions.has(action)) {
      await recordChange(this.database, {
        actor: `User::${actor}`,
        action: "admin.refused",
        target: target.subject
          ? `User::${target.subject}`
          : target.agent
            ? `Agent::${target.agent}`
            : `Admin::${target.kind}`,
        detail: { attempted: action, reasons: decision.reasons },
      }).catch(() => {});
    }
    throw new AdminDeniedError(decision);
  }

  /** The admin roles a user holds (directly or through nested groups), for display. */
  async rolesOf(userId: string): Promise<AdminRole[]> {
    const snapshot = await this.currentSnapshot();
    const user = snapshot.get("User", userId);
    if (!user) return [];
    const groups = new Set(
      snapshot
        .closure(user)
        .map((e) => e.uid as { type: string; id: string })
        .filter((uid) => uid.type === "Group")
        .map((uid) => uid.id),
    );
    return (Object.keys(adminRoles) as AdminRole[]).filter((role) => groups.has(adminRoles[role]));
  }

  /** Which admin actions the actor may take on the console (for showing or hiding controls). */
  async allowedActions(actor: string): Promise<Set<AdminAction>> {
    // Every page shows or hides controls by these 18 decisions: keep them per user for one
    // entitlement and policy version (a change to either makes a new key).
    const inputs = this.engine.inputs();
    let key: string | undefined;
    if (!("decision" in inputs)) {
      try {
        const snapshot = await this.currentSnapshot();
        key = `${actor}\u0000${snapshot.version}\u0000${inputs.policies.version}`;
        const cached = this.allowedCache.get(key);
        if (cached) return new Set(cached);
      } catch {
        key = undefined;
      }
    }
    const decisions = await this.decideMany(
      actor,
      adminActions.map((action) => [action, { kind: "console" }]),
    );
    const allowed = new Set(adminActions.filter((_, i) => decisions[i]?.decision === "allow"));
    if (
      key &&
      decisions.every((d) => d.decision === "allow" || d.reasons[0]?.code === "not_permitted" || d.reasons[0]?.policy)
    ) {
      if (this.allowedCache.size > 1000) this.allowedCache.clear();
      this.allowedCache.set(key, allowed);
    }
    return new Set(allowed);
  }
}
