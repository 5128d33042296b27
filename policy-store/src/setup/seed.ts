import type { Database, Session } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import { recordChange } from "../audit/chain.js";
import { assertNoSodConflict } from "../governance/sod.js";

type Ref = { type: string; id: string };

/** A declarative description of an organisation's entitlements, applied idempotently. */
export interface EntitlementSeed {
  users: Array<{ id: string; displayName: string; email?: string }>;
  groups: Array<{ id: string; description?: string; parents?: string[] }>;
  segments: Array<{ id: string; description?: string }>;
  /** member "User::alice" → parents ["Group::research-analysts", "Segment::research"] */
  memberships: Record<string, string[]>;
  agents: Array<{ id: string; owner: string; description?: string; intents: string[]; delegableBy?: string[] }>;
  intents: Array<{ id: string; description?: string; capabilities: Array<[action: string, resourceType: string]> }>;
  resources: Array<{ type: string; id: string; attributes: Record<string, unknown>; parents?: Ref[] }>;
  /** Groups nobody may hold together (separation of duties); seeding a holder of both fails. */
  sodConflicts?: Array<{ a: string; b: string; description?: string }>;
  /** Governance attributes of people and agents, "User::x" → { clearance: 2, ... } (Cedar JSON values). */
  principalAttributes?: Record<string, Record<string, unknown>>;
}

export class SeedError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

function parseRef(text: string): Ref {
  const at = text.indexOf("::");
  if (at <= 0) throw new SeedError(`"${text}" is not Type::id`);
  return { type: text.slice(0, at), id: text.slice(at + 2) };
}

/** Apply a seed in one transaction; rows that already exist are left as they are. */
export async function applySeed(database: Database, seed: EntitlementSeed, grantedBy = "seed"): Promise<void> {
  await database.transaction(async (tx) => {
    await insertSeed(tx, seed, grantedBy);
    // Separation of duties: a seed may not create a holder of two conflicting groups.
    await assertNoSodConflict(tx);
    await recordChange(tx, {
      actor: grantedBy,
      action: "seed.apply",
      target: "Store::entitlements",
      detail: {
        users: seed.users.map((u) => u.id),
        agents: seed.agents.map((a) => a.id),
        intents: seed.intents.map((i) => i.id),
        resources: seed.resources.map((r) => `${r.type}::${r.id}`),
      },
    });
  });
}

async function insertSeed(s: Session, seed: EntitlementSeed, grantedBy: string): Promise<void> {
  const q = (sql: string, params: unknown[]) => s.query(`${sql} ON CONFLICT DO NOTHING`, params);
  for (const u of seed.users) {
    await q("INSERT INTO users (id, display_name, email) VALUES ($1, $2, $3)", [u.id, u.displayName, u.email ?? null]);
  }
  for (const g of seed.groups)
    await q("INSERT INTO groups (id, description) VALUES ($1, $2)", [g.id, g.description ?? ""]);
  for (const g of seed.segments) {
    await q("INSERT INTO segments (id, description) VALUES ($1, $2)", [g.id, g.description ?? ""]);
  }
  for (const i of seed.intents) {
    await q("INSERT INTO intents (id, description) VALUES ($1, $2)", [i.id, i.description ?? ""]);
    for (const [action, resourceType] of i.capabilities) {
      await q("INSERT INTO intent_capabilities (intent_id, action, resource_type) VALUES ($1, $2, $3)", [
        i.id,
        action,
        resourceType,
      ]);
    }
  }
  for (const a of seed.agents) {
    await q("INSERT INTO agents (id, owner_id, description) VALUES ($1, $2, $3)", [a.id, a.owner, a.description ?? ""]);
  }
  for (const a of seed.agents) {
    for (const intent of a.intents) {
      await q("INSERT INTO agent_intents (agent_id, intent_id, granted_by) VALUES ($1, $2, $3)", [
        a.id,
        intent,
        grantedBy,
      ]);
    }
    for (const delegator of a.delegableBy ?? []) {
      await q("INSERT INTO agent_delegations (agent_id, delegator_agent_id) VALUES ($1, $2)", [a.id, delegator]);
    }
  }
  const memberships = Object.entries(seed.memberships).flatMap(([member, parents]) =>
    parents.map((parent) => [parseRef(member), parseRef(parent)] as const),
  );
  for (const g of seed.groups) {
    for (const parent of g.parents ?? [])
      memberships.push([
        { type: "Group", id: g.id },
        { type: "Group", id: parent },
      ]);
  }
  for (const [member, parent] of memberships) {
    await q(
      "INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by) VALUES ($1, $2, $3, $4, $5)",
      [member.type, member.id, parent.type, parent.id, grantedBy],
    );
  }
  for (const r of seed.resources) {
    await q("INSERT INTO resources (type, id, attributes, parents) VALUES ($1, $2, $3, $4)", [
      r.type,
      r.id,
      JSON.stringify(r.attributes),
      JSON.stringify(r.parents ?? []),
    ]);
  }
  for (const c of seed.sodConflicts ?? []) {
    const [a, b] = c.a < c.b ? [c.a, c.b] : [c.b, c.a];
    await q("INSERT INTO sod_conflicts (group_a, group_b, description) VALUES ($1, $2, $3)", [
      a,
      b,
      c.description ?? "",
    ]);
  }
  for (const [ref, attributes] of Object.entries(seed.principalAttributes ?? {})) {
    const { type, id } = parseRef(ref);
    await q("INSERT INTO principal_attributes (type, id, attributes) VALUES ($1, $2, $3)", [
      type,
      id,
      JSON.stringify(attributes),
    ]);
  }
}

export async function isEmptyStore(database: Database): Promise<boolean> {
  const rows = await database.query("SELECT 1 FROM users LIMIT 1");
  return rows.length === 0;
}
