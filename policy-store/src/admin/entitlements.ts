import type { Database, Session } from "@pea/migrations";
import type { ApiKeyScope } from "@pea/schemas";
import { recordChange } from "../audit/chain.js";
import { cedar } from "../cedar/cedar.js";
import type { SchemaInfo } from "../cedar/schema.js";
import { assertNoSodConflict } from "../governance/sod.js";
import { setPassword, verifyPassword } from "../identity/accounts.js";
import { createApiKey } from "../identity/api-keys.js";
import { type AdminAction, type AdminAuthorizer, type AdminTarget, adminActions } from "./authorizer.js";

/**
 * Entitlement management for the admin app (and anything else that changes entitlements on a
 * person's behalf). Every change here:
 *   1. is authorized by PEA's own admin policies (policies/admin/) for the acting user,
 *   2. is validated (references exist, no agent without an owner, capabilities the schema knows),
 *   3. runs in one transaction with its audit record (recordChange: who, what, to what),
 *   4. bumps the entitlement version by the tables' triggers, which NOTIFY every PDP.
 */

/** Who is making a change: a signed-in user, and how they signed in. */
export interface AdminActor {
  userId: string;
  /** "password", "api-key:<id>": kept with the change record. */
  via: string;
}

export type EntitlementErrorCode = "invalid_request" | "not_found" | "conflict";

/** A change that cannot be made as asked (the message says why, for the person asking). */
export class EntitlementError extends Error {
  constructor(
    readonly code: EntitlementErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
export const principalStatuses = ["active", "suspended", "revoked"] as const;
export type PrincipalStatus = (typeof principalStatuses)[number];
export const memberTypes = ["User", "Agent", "Group"] as const;
export const parentTypes = ["Group", "Segment"] as const;
/** Entity types whose rows are not registered resources. */
const nonResourceTypes = new Set(["User", "Agent", "Group", "Segment", "Intent", "AdminTarget"]);

export interface Ref {
  type: string;
  id: string;
}

export interface UserRow {
  id: string;
  displayName: string;
  email: string | null;
  status: string;
  memberOf: Ref[];
  hasPassword: boolean;
}
export interface AgentRow {
  id: string;
  owner: string;
  description: string;
  status: string;
  intents: string[];
  memberOf: Ref[];
  delegableBy: string[];
}
export interface GroupRow {
  id: string;
  description: string;
  members: Ref[];
  memberOf: Ref[];
}
export interface SegmentRow {
  id: string;
  description: string;
  members: Ref[];
}
export interface IntentRow {
  id: string;
  description: string;
  capabilities: Array<{ action: string; resourceType: string }>;
  agents: string[];
}
export interface ResourceRow {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  parents: Ref[];
}
export interface ApiKeyRow {
  id: string;
  name: string;
  scopes: string[];
  userId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);
const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

function checkId(field: string, id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new EntitlementError(
      "invalid_request",
      `${field}: must start with a letter or digit and use only letters, digits and . _ @ : - (at most 128)`,
    );
  }
}

/** Postgres unique violations become a 409 naming what already exists. */
function mapUnique(error: unknown, what: string): never {
  if ((error as { code?: string }).code === "23505") throw new EntitlementError("conflict", `${what} already exists`);
  throw error;
}

export interface EntitlementAdminDeps {
  database: Database;
  authorizer: AdminAuthorizer;
  /** The Cedar schema: capability sets and resources are checked against it. */
  schema: () => SchemaInfo | undefined;
}

export class EntitlementAdmin {
  constructor(private readonly deps: EntitlementAdminDeps) {}

  private get database(): Database {
    return this.deps.database;
  }

  /** Authorize, then run `work` and its audit record in one transaction. */
  private async change<T>(
    actor: AdminActor,
    action: AdminAction,
    target: AdminTarget,
    record: { action: string; target: string; detail?: Record<string, unknown> },
    work: (tx: Session) => Promise<T>,
  ): Promise<T> {
    await this.deps.authorizer.require(actor.userId, action, target);
    return this.database.transaction(async (tx) => {
      const result = await work(tx);
      await recordChange(tx, {
        actor: `User::${actor.userId}`,
        action: record.action,
        target: record.target,
        detail: { ...record.detail, via: actor.via },
      });
      return result;
    });
  }

  /** Reading requires the admin:view permission (every role has it). */
  async requireView(actor: AdminActor): Promise<void> {
    await this.deps.authorizer.require(actor.userId, "admin:view", { kind: "console" });
  }

  // ---- reads -----------------------------------------------------------------------------------

  async listUsers(actor: AdminActor): Promise<UserRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{
      id: string;
      display_name: string;
      email: string | null;
      status: string;
      has_password: boolean;
    }>(
      `SELECT u.id, u.display_name, u.email, u.status, (a.user_id IS NOT NULL) AS has_password
       FROM users u LEFT JOIN admin_accounts a ON a.user_id = u.id ORDER BY u.id`,
    );
    const parents = await this.parentsOf("User");
    return rows.map((r) => ({
      id: r.id,
      displayName: r.display_name,
      email: r.email,
      status: r.status,
      hasPassword: r.has_password,
      memberOf: parents.get(r.id) ?? [],
    }));
  }

  async listAgents(actor: AdminActor): Promise<AgentRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{ id: string; owner_id: string; description: string; status: string }>(
      "SELECT id, owner_id, description, status FROM agents ORDER BY id",
    );
    const intents = await this.database.query<{ agent_id: string; intent_id: string }>(
      "SELECT agent_id, intent_id FROM agent_intents ORDER BY intent_id",
    );
    const delegations = await this.database.query<{ agent_id: string; delegator_agent_id: string }>(
      "SELECT agent_id, delegator_agent_id FROM agent_delegations ORDER BY delegator_agent_id",
    );
    const parents = await this.parentsOf("Agent");
    return rows.map((r) => ({
      id: r.id,
      owner: r.owner_id,
      description: r.description,
      status: r.status,
      intents: intents.filter((i) => i.agent_id === r.id).map((i) => i.intent_id),
      delegableBy: delegations.filter((d) => d.agent_id === r.id).map((d) => d.delegator_agent_id),
      memberOf: parents.get(r.id) ?? [],
    }));
  }

  async listGroups(actor: AdminActor): Promise<GroupRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{ id: string; description: string }>(
      "SELECT id, description FROM groups ORDER BY id",
    );
    const members = await this.membersOf("Group");
    const parents = await this.parentsOf("Group");
    return rows.map((r) => ({
      id: r.id,
      description: r.description,
      members: members.get(r.id) ?? [],
      memberOf: parents.get(r.id) ?? [],
    }));
  }

  async listSegments(actor: AdminActor): Promise<SegmentRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{ id: string; description: string }>(
      "SELECT id, description FROM segments ORDER BY id",
    );
    const members = await this.membersOf("Segment");
    return rows.map((r) => ({ id: r.id, description: r.description, members: members.get(r.id) ?? [] }));
  }

  async listIntents(actor: AdminActor): Promise<IntentRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{ id: string; description: string }>(
      "SELECT id, description FROM intents ORDER BY id",
    );
    const caps = await this.database.query<{ intent_id: string; action: string; resource_type: string }>(
      "SELECT intent_id, action, resource_type FROM intent_capabilities ORDER BY action, resource_type",
    );
    const holders = await this.database.query<{ agent_id: string; intent_id: string }>(
      "SELECT agent_id, intent_id FROM agent_intents ORDER BY agent_id",
    );
    return rows.map((r) => ({
      id: r.id,
      description: r.description,
      capabilities: caps
        .filter((c) => c.intent_id === r.id)
        .map((c) => ({ action: c.action, resourceType: c.resource_type })),
      agents: holders.filter((h) => h.intent_id === r.id).map((h) => h.agent_id),
    }));
  }

  async listResources(actor: AdminActor): Promise<ResourceRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{ type: string; id: string; attributes: unknown; parents: unknown }>(
      "SELECT type, id, attributes, parents FROM resources ORDER BY type, id",
    );
    return rows.map((r) => ({
      type: r.type,
      id: r.id,
      attributes: json(r.attributes) as Record<string, unknown>,
      parents: json(r.parents) as Ref[],
    }));
  }

  async listApiKeys(actor: AdminActor): Promise<ApiKeyRow[]> {
    await this.requireView(actor);
    const rows = await this.database.query<{
      id: string;
      name: string;
      scopes: string[];
      user_id: string | null;
      created_at: unknown;
      revoked_at: unknown;
    }>("SELECT id, name, scopes, user_id, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id");
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scopes: r.scopes,
      userId: r.user_id,
      createdAt: iso(r.created_at),
      revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
    }));
  }

  /** The entitlement version every PDP converges to after a change. */
  async entitlementVersion(): Promise<number> {
    const [row] = await this.database.query<{ value: string | number }>(
      "SELECT value FROM pea_state WHERE key = 'entitlement_version'",
    );
    return Number(row?.value ?? 0);
  }

  private async parentsOf(memberType: string): Promise<Map<string, Ref[]>> {
    const rows = await this.database.query<{ member_id: string; parent_type: string; parent_id: string }>(
      "SELECT member_id, parent_type, parent_id FROM memberships WHERE member_type = $1 ORDER BY parent_type, parent_id",
      [memberType],
    );
    const out = new Map<string, Ref[]>();
    for (const r of rows) {
      const list = out.get(r.member_id) ?? [];
      list.push({ type: r.parent_type, id: r.parent_id });
      out.set(r.member_id, list);
    }
    return out;
  }

  private async membersOf(parentType: string): Promise<Map<string, Ref[]>> {
    const rows = await this.database.query<{ member_type: string; member_id: string; parent_id: string }>(
      "SELECT member_type, member_id, parent_id FROM memberships WHERE parent_type = $1 ORDER BY member_type, member_id",
      [parentType],
    );
    const out = new Map<string, Ref[]>();
    for (const r of rows) {
      const list = out.get(r.parent_id) ?? [];
      list.push({ type: r.member_type, id: r.member_id });
      out.set(r.parent_id, list);
    }
    return out;
  }

  // ---- users -----------------------------------------------------------------------------------

  async createUser(
    actor: AdminActor,
    input: { id: string; displayName: string; email?: string | undefined },
  ): Promise<void> {
    checkId("id", input.id);
    if (!input.displayName.trim()) throw new EntitlementError("invalid_request", "displayName: must not be empty");
    await this.change(
      actor,
      "admin:user.write",
      { kind: "user", subject: input.id },
      { action: "user.create", target: `User::${input.id}`, detail: { displayName: input.displayName } },
      (tx) =>
        tx
          .query("INSERT INTO users (id, display_name, email) VALUES ($1, $2, $3)", [
            input.id,
            input.displayName.trim(),
            input.email ?? null,
          ])
          .catch((e) => mapUnique(e, `User::${input.id}`)),
    );
  }

  async updateUser(
    actor: AdminActor,
    id: string,
    input: {
      displayName?: string | undefined;
      email?: string | null | undefined;
      status?: PrincipalStatus | undefined;
    },
  ): Promise<void> {
    await this.mustExist("User", id);
    if (input.displayName !== undefined && !input.displayName.trim()) {
      throw new EntitlementError("invalid_request", "displayName: must not be empty");
    }
    await this.change(
      actor,
      "admin:user.write",
      { kind: "user", subject: id },
      { action: "user.update", target: `User::${id}`, detail: { ...input } },
      (tx) =>
        tx.query(
          `UPDATE users SET display_name = coalesce($2, display_name),
             email = CASE WHEN $3::boolean THEN $4 ELSE email END,
             status = coalesce($5, status) WHERE id = $1`,
          [id, input.displayName?.trim() ?? null, input.email !== undefined, input.email ?? null, input.status ?? null],
        ),
    );
  }

  /** An administrator sets another person's local password (never their own: see changeOwnPassword). */
  async setUserPassword(actor: AdminActor, id: string, password: string): Promise<void> {
    await this.mustExist("User", id);
    await this.deps.authorizer.require(actor.userId, "admin:user.write", { kind: "password", subject: id });
    await setPassword(this.database, id, password, `User::${actor.userId}`);
  }

  /** Anyone signed in changes their own password, proving the current one. */
  async changeOwnPassword(actor: AdminActor, current: string, next: string): Promise<void> {
    const [row] = await this.database.query<{ password_hash: string }>(
      "SELECT password_hash FROM admin_accounts WHERE user_id = $1",
      [actor.userId],
    );
    if (!row || !(await verifyPassword(current, row.password_hash))) {
      throw new EntitlementError("invalid_request", "current: that is not your current password");
    }
    await setPassword(this.database, actor.userId, next, `User::${actor.userId}`);
  }

  // ---- agents ----------------------------------------------------------------------------------

  async createAgent(
    actor: AdminActor,
    input: { id: string; owner: string; description?: string | undefined },
  ): Promise<void> {
    checkId("id", input.id);
    await this.mustBeActiveOwner(input.owner);
    await this.change(
      actor,
      "admin:agent.write",
      // Owning an agent is an entitlement of the owner's: nobody registers an agent for themselves.
      { kind: "agent", subject: input.owner },
      { action: "agent.create", target: `Agent::${input.id}`, detail: { owner: input.owner } },
      (tx) =>
        tx
          .query("INSERT INTO agents (id, owner_id, description) VALUES ($1, $2, $3)", [
            input.id,
            input.owner,
            input.description ?? "",
          ])
          .catch((e) => mapUnique(e, `Agent::${input.id}`)),
    );
  }

  async updateAgent(
    actor: AdminActor,
    id: string,
    input: { owner?: string | undefined; description?: string | undefined; status?: PrincipalStatus | undefined },
  ): Promise<void> {
    const [current] = await this.database.query<{ owner_id: string }>("SELECT owner_id FROM agents WHERE id = $1", [
      id,
    ]);
    if (!current) throw new EntitlementError("not_found", `Agent::${id} does not exist`);
    const ownerChanges = input.owner !== undefined && input.owner !== current.owner_id;
    if (ownerChanges) await this.mustBeActiveOwner(input.owner as string);
    await this.change(
      actor,
      "admin:agent.write",
      { kind: "agent", agent: id, ...(ownerChanges ? { subject: input.owner } : {}) },
      { action: "agent.update", target: `Agent::${id}`, detail: { ...input } },
      (tx) =>
        tx.query(
          `UPDATE agents SET owner_id = coalesce($2, owner_id), description = coalesce($3, description),
             status = coalesce($4, status) WHERE id = $1`,
          [id, input.owner ?? null, input.description ?? null, input.status ?? null],
        ),
    );
  }

  async grantAgentIntent(actor: AdminActor, agentId: string, intentId: string): Promise<void> {
    await this.mustExist("Agent", agentId);
    await this.mustExist("Intent", intentId);
    await this.change(
      actor,
      "admin:agent-intent.grant",
      { kind: "agent-intent", agent: agentId },
      { action: "agent_intent.grant", target: `Agent::${agentId}`, detail: { intent: intentId } },
      async (tx) => {
        const rows = await tx.query(
          "INSERT INTO agent_intents (agent_id, intent_id, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
          [agentId, intentId, `User::${actor.userId}`],
        );
        if (rows.length === 0) throw new EntitlementError("conflict", `Agent::${agentId} already holds ${intentId}`);
      },
    );
  }

  async revokeAgentIntent(actor: AdminActor, agentId: string, intentId: string): Promise<void> {
    await this.mustExist("Agent", agentId);
    await this.change(
      actor,
      "admin:agent-intent.revoke",
      { kind: "agent-intent", agent: agentId },
      { action: "agent_intent.revoke", target: `Agent::${agentId}`, detail: { intent: intentId } },
      async (tx) => {
        const rows = await tx.query("DELETE FROM agent_intents WHERE agent_id = $1 AND intent_id = $2 RETURNING 1", [
          agentId,
          intentId,
        ]);
        if (rows.length === 0) throw new EntitlementError("not_found", `Agent::${agentId} does not hold ${intentId}`);
      },
    );
  }

  // ---- groups, segments, memberships -----------------------------------------------------------

  async createGroup(actor: AdminActor, input: { id: string; description?: string | undefined }): Promise<void> {
    checkId("id", input.id);
    await this.change(
      actor,
      "admin:group.write",
      { kind: "group" },
      { action: "group.create", target: `Group::${input.id}` },
      (tx) =>
        tx
          .query("INSERT INTO groups (id, description) VALUES ($1, $2)", [input.id, input.description ?? ""])
          .catch((e) => mapUnique(e, `Group::${input.id}`)),
    );
  }

  async createSegment(actor: AdminActor, input: { id: string; description?: string | undefined }): Promise<void> {
    checkId("id", input.id);
    await this.change(
      actor,
      "admin:segment.write",
      { kind: "segment" },
      { action: "segment.create", target: `Segment::${input.id}` },
      (tx) =>
        tx
          .query("INSERT INTO segments (id, description) VALUES ($1, $2)", [input.id, input.description ?? ""])
          .catch((e) => mapUnique(e, `Segment::${input.id}`)),
    );
  }

  /** Who a membership change empowers, for the admin policies. */
  private membershipTarget(member: Ref): AdminTarget {
    if (member.type === "User") return { kind: "membership", subject: member.id };
    if (member.type === "Agent") return { kind: "membership", agent: member.id };
    return { kind: "membership", subjectGroup: member.id };
  }

  async grantMembership(actor: AdminActor, member: Ref, parent: Ref): Promise<void> {
    await this.checkMembershipRefs(member, parent);
    if (member.type === "Group" && parent.type === "Group") await this.refuseGroupCycle(member.id, parent.id);
    await this.change(
      actor,
      "admin:membership.grant",
      this.membershipTarget(member),
      {
        action: "membership.grant",
        target: `${member.type}::${member.id}`,
        detail: { parent: `${parent.type}::${parent.id}` },
      },
      async (tx) => {
        const rows = await tx.query(
          `INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1`,
          [member.type, member.id, parent.type, parent.id, `User::${actor.userId}`],
        );
        if (rows.length === 0) {
          throw new EntitlementError(
            "conflict",
            `${member.type}::${member.id} is already in ${parent.type}::${parent.id}`,
          );
        }
        // Separation of duties (sod.ts): refused, naming the conflict, if anyone now holds both sides.
        await assertNoSodConflict(tx, member);
      },
    );
  }

  async revokeMembership(actor: AdminActor, member: Ref, parent: Ref): Promise<void> {
    await this.checkMembershipRefs(member, parent);
    await this.change(
      actor,
      "admin:membership.revoke",
      this.membershipTarget(member),
      {
        action: "membership.revoke",
        target: `${member.type}::${member.id}`,
        detail: { parent: `${parent.type}::${parent.id}` },
      },
      async (tx) => {
        const rows = await tx.query(
          `DELETE FROM memberships WHERE member_type = $1 AND member_id = $2 AND parent_type = $3 AND parent_id = $4
           RETURNING 1`,
          [member.type, member.id, parent.type, parent.id],
        );
        if (rows.length === 0) {
          throw new EntitlementError(
            "not_found",
            `${member.type}::${member.id} is not in ${parent.type}::${parent.id}`,
          );
        }
      },
    );
  }

  private async checkMembershipRefs(member: Ref, parent: Ref): Promise<void> {
    if (!(memberTypes as readonly string[]).includes(member.type)) {
      throw new EntitlementError("invalid_request", "member.type: must be User, Agent or Group");
    }
    if (!(parentTypes as readonly string[]).includes(parent.type)) {
      throw new EntitlementError("invalid_request", "parent.type: must be Group or Segment");
    }
    if (member.type === "Group" && parent.type === "Segment") {
      throw new EntitlementError("invalid_request", "a segment holds users and agents, not groups");
    }
    await this.mustExist(member.type, member.id);
    await this.mustExist(parent.type, parent.id);
  }

  private async refuseGroupCycle(member: string, parent: string): Promise<void> {
    if (member === parent) throw new EntitlementError("invalid_request", "a group cannot be a member of itself");
    const rows = await this.database.query(
      `WITH RECURSIVE up(id) AS (
         SELECT $1::text
         UNION SELECT m.parent_id FROM memberships m JOIN up ON m.member_type = 'Group' AND m.member_id = up.id
           AND m.parent_type = 'Group'
       ) SELECT 1 FROM up WHERE id = $2`,
      [parent, member],
    );
    if (rows.length > 0) {
      throw new EntitlementError("invalid_request", `Group::${parent} is already inside Group::${member}: no cycles`);
    }
  }

  // ---- intents ---------------------------------------------------------------------------------

  private checkCapabilities(capabilities: Array<{ action: string; resourceType: string }>): void {
    const schema = this.deps.schema();
    if (!schema) throw new EntitlementError("invalid_request", "the Cedar schema is not loaded");
    for (const [i, c] of capabilities.entries()) {
      const types = schema.actions.get(c.action);
      if (!types || (adminActions as readonly string[]).includes(c.action)) {
        throw new EntitlementError("invalid_request", `capabilities[${i}].action: ${c.action} is not an action`);
      }
      if (!types.has(c.resourceType)) {
        throw new EntitlementError(
          "invalid_request",
          `capabilities[${i}].resourceType: ${c.action} does not apply to ${c.resourceType} (it applies to ${[...types].join(", ")})`,
        );
      }
    }
  }

  async createIntent(
    actor: AdminActor,
    input: {
      id: string;
      description?: string | undefined;
      capabilities: Array<{ action: string; resourceType: string }>;
    },
  ): Promise<void> {
    checkId("id", input.id);
    this.checkCapabilities(input.capabilities);
    await this.change(
      actor,
      "admin:intent.write",
      { kind: "intent" },
      { action: "intent.create", target: `Intent::${input.id}`, detail: { capabilities: input.capabilities } },
      async (tx) => {
        await tx
          .query("INSERT INTO intents (id, description) VALUES ($1, $2)", [input.id, input.description ?? ""])
          .catch((e) => mapUnique(e, `Intent::${input.id}`));
        await insertCapabilities(tx, input.id, input.capabilities);
      },
    );
  }

  /** Replace an intent's description and/or capability set. */
  async updateIntent(
    actor: AdminActor,
    id: string,
    input: {
      description?: string | undefined;
      capabilities?: Array<{ action: string; resourceType: string }> | undefined;
    },
  ): Promise<void> {
    await this.mustExist("Intent", id);
    if (input.capabilities) this.checkCapabilities(input.capabilities);
    await this.change(
      actor,
      "admin:intent.write",
      { kind: "intent" },
      { action: "intent.update", target: `Intent::${id}`, detail: { ...input } },
      async (tx) => {
        if (input.description !== undefined) {
          await tx.query("UPDATE intents SET description = $2 WHERE id = $1", [id, input.description]);
        }
        if (input.capabilities) {
          await tx.query("DELETE FROM intent_capabilities WHERE intent_id = $1", [id]);
          await insertCapabilities(tx, id, input.capabilities);
        }
      },
    );
  }

  // ---- registered resources --------------------------------------------------------------------

  async putResource(
    actor: AdminActor,
    input: { type: string; id: string; attributes: Record<string, unknown>; parents?: Ref[] | undefined },
  ): Promise<{ created: boolean }> {
    const schema = this.deps.schema();
    if (!schema) throw new EntitlementError("invalid_request", "the Cedar schema is not loaded");
    const info = schema.entityTypes.get(input.type);
    if (!info || nonResourceTypes.has(input.type)) {
      throw new EntitlementError("invalid_request", `type: ${input.type} is not a resource type of the schema`);
    }
    if (input.id.length === 0 || input.id.length > 256) {
      throw new EntitlementError("invalid_request", "id: 1 to 256 characters");
    }
    const parents = input.parents ?? [];
    for (const [i, p] of parents.entries()) {
      if (p.type !== "Segment") throw new EntitlementError("invalid_request", `parents[${i}]: must be a Segment`);
      await this.mustExist("Segment", p.id);
    }
    const checked = cedar.checkParseEntities({
      entities: [
        { uid: { type: input.type, id: input.id }, attrs: input.attributes as never, parents },
        ...parents.map((p) => ({ uid: p, attrs: {}, parents: [] })),
      ],
      schema: schema.text,
    });
    if (checked.type === "failure") {
      throw new EntitlementError("invalid_request", `attributes: ${checked.errors.map((e) => e.message).join("; ")}`);
    }
    return this.change(
      actor,
      "admin:resource.write",
      { kind: "resource" },
      { action: "resource.put", target: `${input.type}::${input.id}`, detail: { attributes: input.attributes } },
      async (tx) => {
        const rows = await tx.query<{ inserted: boolean }>(
          `INSERT INTO resources (type, id, attributes, parents) VALUES ($1, $2, $3, $4)
           ON CONFLICT (type, id) DO UPDATE SET attributes = excluded.attributes, parents = excluded.parents
           RETURNING (xmax = 0) AS inserted`,
          [input.type, input.id, JSON.stringify(input.attributes), JSON.stringify(parents)],
        );
        return { created: rows[0]?.inserted === true };
      },
    );
  }

  // ---- API keys --------------------------------------------------------------------------------

  /** Create an API key bound to a user (shown once, in the result). */
  async createApiKey(
    actor: AdminActor,
    input: { name: string; userId: string; scopes: ApiKeyScope[] },
  ): Promise<{ id: string; key: string }> {
    if (!input.name.trim()) throw new EntitlementError("invalid_request", "name: must not be empty");
    if (input.scopes.length === 0) throw new EntitlementError("invalid_request", "scopes: at least one");
    await this.mustExist("User", input.userId);
    await this.deps.authorizer.require(actor.userId, "admin:key.write", { kind: "api-key", subject: input.userId });
    // createApiKey records the change itself, in the transaction that creates the key.
    return createApiKey(this.database, {
      name: input.name.trim(),
      userId: input.userId,
      scopes: input.scopes,
      actor: `User::${actor.userId}`,
    });
  }

  async revokeApiKey(actor: AdminActor, keyId: string): Promise<void> {
    const [key] = await this.database.query<{ user_id: string | null; revoked_at: unknown }>(
      "SELECT user_id, revoked_at FROM api_keys WHERE id = $1",
      [keyId],
    );
    if (!key) throw new EntitlementError("not_found", `API key ${keyId} does not exist`);
    if (key.revoked_at !== null) throw new EntitlementError("conflict", `API key ${keyId} is already revoked`);
    await this.change(
      actor,
      "admin:key.write",
      { kind: "api-key", ...(key.user_id ? { subject: key.user_id } : {}) },
      { action: "api_key.revoke", target: `ApiKey::${keyId}` },
      (tx) => tx.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [keyId]),
    );
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async mustExist(type: string, id: string): Promise<void> {
    const table = { User: "users", Agent: "agents", Group: "groups", Segment: "segments", Intent: "intents" }[type];
    if (!table) throw new EntitlementError("invalid_request", `${type} is not an entitlement type`);
    const rows = await this.database.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
    if (rows.length === 0) throw new EntitlementError("not_found", `${type}::${id} does not exist`);
  }

  private async mustBeActiveOwner(owner: string): Promise<void> {
    const [row] = await this.database.query<{ status: string }>("SELECT status FROM users WHERE id = $1", [owner]);
    if (!row)
      throw new EntitlementError("not_found", `owner: User::${owner} does not exist (every agent needs an owner)`);
    if (row.status !== "active") {
      throw new EntitlementError("invalid_request", `owner: User::${owner} is ${row.status}; an owner must be active`);
    }
  }
}

async function insertCapabilities(
  tx: Session,
  intentId: string,
  capabilities: Array<{ action: string; resourceType: string }>,
): Promise<void> {
  for (const c of capabilities) {
    await tx.query(
      "INSERT INTO intent_capabilities (intent_id, action, resource_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [intentId, c.action, c.resourceType],
    );
  }
}
