import { type Database, type Session, tables } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import type { PgTable } from "drizzle-orm/pg-core";
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
  const t = tables;
  // One statement per table; rows the store already holds are left as they are.
  const insert = async <Table extends PgTable>(table: Table, rows: Array<Table["$inferInsert"]>) => {
    if (rows.length > 0) await s.db.insert(table).values(rows).onConflictDoNothing();
  };
  await insert(
    t.users,
    seed.users.map((u) => ({ id: u.id, displayName: u.displayName, email: u.email ?? null })),
  );
  await insert(
    t.groups,
    seed.groups.map((g) => ({ id: g.id, description: g.description ?? "" })),
  );
  await insert(
    t.segments,
    seed.segments.map((g) => ({ id: g.id, description: g.description ?? "" })),
  );
  await insert(
    t.intents,
    seed.intents.map((i) => ({ id: i.id, description: i.description ?? "" })),
  );
  await insert(
    t.intentCapabilities,
    seed.intents.flatMap((i) =>
      i.capabilities.map(([action, resourceType]) => ({ intentId: i.id, action, resourceType })),
    ),
  );
  await insert(
    t.agents,
    seed.agents.map((a) => ({ id: a.id, ownerId: a.owner, description: a.description ?? "" })),
  );
  await insert(
    t.agentIntents,
    seed.agents.flatMap((a) => a.intents.map((intent) => ({ agentId: a.id, intentId: intent, grantedBy }))),
  );
  await insert(
    t.agentDelegations,
    seed.agents.flatMap((a) =>
      (a.delegableBy ?? []).map((delegator) => ({ agentId: a.id, delegatorAgentId: delegator })),
    ),
  );
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
  await insert(
    t.memberships,
    memberships.map(([member, parent]) => ({
      memberType: member.type,
      memberId: member.id,
      parentType: parent.type,
      parentId: parent.id,
      grantedBy,
    })),
  );
  await insert(
    t.resources,
    seed.resources.map((r) => ({ type: r.type, id: r.id, attributes: r.attributes, parents: r.parents ?? [] })),
  );
  await insert(
    t.sodConflicts,
    (seed.sodConflicts ?? []).map((c) => {
      const [a, b] = c.a < c.b ? [c.a, c.b] : [c.b, c.a];
      return { groupA: a, groupB: b, description: c.description ?? "" };
    }),
  );
  await insert(
    t.principalAttributes,
    Object.entries(seed.principalAttributes ?? {}).map(([ref, attributes]) => ({ ...parseRef(ref), attributes })),
  );
}

/** Whether the store holds no user yet (nobody has seeded it). */
export async function isEmptyStore(database: Session): Promise<boolean> {
  const { users } = tables;
  const rows = await database.db.select({ id: users.id }).from(users).limit(1);
  return rows.length === 0;
}
