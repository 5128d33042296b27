import { type Database, rowsOf, type Session, tables } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";

/**
 * Separation of duties, static: groups (entitlements) nobody may hold together, declared in
 * sod_conflicts (e.g. payments-initiators with payments-approvers). Every path that assigns a
 * membership must refuse one that would create a conflict:
 *
 *   - assignMembership(database, ...) below: the check and the insert in one transaction;
 *   - inside a transaction of your own: insert, then `await assertNoSodConflict(tx, member)`,
 *     which throws SodConflictError (and so rolls the transaction back);
 *   - applySeed checks the whole store after seeding.
 *
 * Should the store hold a conflict anyway (changed behind PEA's back), the PDP denies `sod` for the
 * link holding it (decide.ts).
 */
export interface SodConflict {
  a: string;
  b: string;
  description: string;
}

type Ref = { type: string; id: string };

export class SodConflictError extends PeaError {
  constructor(
    readonly holder: string,
    readonly conflict: SodConflict,
  ) {
    super(
      "conflict",
      `separation of duties: ${holder} may not hold both Group::${conflict.a} and Group::${conflict.b}` +
        (conflict.description ? ` (${conflict.description})` : ""),
    );
  }
}

/** Every (holder, conflict) the store holds, directly or through nested groups. */
export async function findSodViolations(
  session: Session,
  holder?: Ref,
): Promise<Array<{ holder: string; conflict: SodConflict }>> {
  const [type, id] = [holder?.type ?? null, holder?.id ?? null];
  const rows = await rowsOf<{ member_type: string; member_id: string; a: string; b: string; d: string }>(
    session,
    sql`WITH RECURSIVE holds(member_type, member_id, group_id) AS (
          SELECT member_type, member_id, parent_id FROM memberships
           WHERE parent_type = 'Group' AND member_type <> 'Group'
             AND (${type}::text IS NULL OR (member_type = ${type} AND member_id = ${id}))
          UNION
          SELECT h.member_type, h.member_id, m.parent_id FROM holds h
            JOIN memberships m ON m.member_type = 'Group' AND m.member_id = h.group_id AND m.parent_type = 'Group'
        )
        SELECT a.member_type, a.member_id, c.group_a AS a, c.group_b AS b, c.description AS d
          FROM sod_conflicts c
          JOIN holds a ON a.group_id = c.group_a
          JOIN holds b ON b.member_type = a.member_type AND b.member_id = a.member_id AND b.group_id = c.group_b
         ORDER BY 1, 2, 3, 4`,
  );
  return rows.map((r) => ({
    holder: `${r.member_type}::${r.member_id}`,
    conflict: { a: r.a, b: r.b, description: r.d },
  }));
}

/**
 * Throw SodConflictError if `member` (or, for a group, anyone below it) now holds both sides of a
 * declared conflict. Call inside the transaction that changed memberships, after the change.
 */
export async function assertNoSodConflict(tx: Session, member?: Ref): Promise<void> {
  // Serialise conflicting assignments across processes for the rest of this transaction.
  await tx.db.execute(sql`SELECT pg_advisory_xact_lock(7101003)`);
  const violations = await findSodViolations(tx, member && member.type !== "Group" ? member : undefined);
  const first = violations[0];
  if (first) throw new SodConflictError(first.holder, first.conflict);
}

/**
 * Add `member` to `parent`, refusing a separation-of-duties conflict with an error naming it.
 * Recorded in the audit log. Returns false when the membership already existed.
 */
export async function assignMembership(
  database: Database,
  input: { member: Ref; parent: Ref; grantedBy: string; apiKeyId?: string | null | undefined },
): Promise<boolean> {
  return database.transaction(async (tx) => {
    const { memberships } = tables;
    const rows = await tx.db
      .insert(memberships)
      .values({
        memberType: input.member.type,
        memberId: input.member.id,
        parentType: input.parent.type,
        parentId: input.parent.id,
        grantedBy: input.grantedBy,
      })
      .onConflictDoNothing()
      .returning({ memberId: memberships.memberId });
    if (rows.length === 0) return false;
    await assertNoSodConflict(tx, input.member);
    await recordChange(tx, {
      actor: input.grantedBy,
      apiKeyId: input.apiKeyId,
      action: "membership.grant",
      target: `${input.member.type}::${input.member.id}`,
      detail: { parent: `${input.parent.type}::${input.parent.id}` },
    });
    return true;
  });
}

/** Declare two groups in conflict; refused if someone already holds both. */
export async function declareSodConflict(
  database: Database,
  input: {
    a: string;
    b: string;
    description?: string | undefined;
    declaredBy: string;
    apiKeyId?: string | null | undefined;
  },
): Promise<void> {
  const [a, b] = input.a < input.b ? [input.a, input.b] : [input.b, input.a];
  if (a === b) throw new Error("a group does not conflict with itself");
  await database.transaction(async (tx) => {
    await tx.db
      .insert(tables.sodConflicts)
      .values({ groupA: a, groupB: b, description: input.description ?? "" })
      .onConflictDoNothing();
    await assertNoSodConflict(tx);
    await recordChange(tx, {
      actor: input.declaredBy,
      apiKeyId: input.apiKeyId,
      action: "sod_conflict.declare",
      target: `SodConflict::${a}|${b}`,
      detail: { description: input.description ?? "" },
    });
  });
}
