import { type Database, rowsOf, type Session, tables } from "@pea/migrations";
import { and, eq, sql } from "drizzle-orm";
import { assertNoSodConflict } from "../governance/sod.js";
import type { AdminTarget } from "./authorizer.js";
import {
  type AdminActor,
  change,
  type EntitlementAdminDeps,
  EntitlementError,
  memberTypes,
  mustExist,
  parentTypes,
  type Ref,
} from "./context.js";

/** Memberships: users, agents and groups in groups and segments. */

const { memberships } = tables;

/** Each member of `memberType` → the groups and segments it is in. */
export const parentsOf = (database: Database, memberType: string) => refsBy(database, "member", memberType);

/** Each parent of `parentType` → its members. */
export const membersOf = (database: Database, parentType: string) => refsBy(database, "parent", parentType);

/** Memberships whose `side` is of `type`, keyed by that side's id, each listing the other side. */
async function refsBy(database: Database, side: "member" | "parent", type: string): Promise<Map<string, Ref[]>> {
  const m = memberships;
  const [keyType, key, otherType, otherId] =
    side === "member"
      ? [m.memberType, m.memberId, m.parentType, m.parentId]
      : [m.parentType, m.parentId, m.memberType, m.memberId];
  const rows = await database.db
    .select({ key, type: otherType, id: otherId })
    .from(m)
    .where(eq(keyType, type))
    .orderBy(otherType, otherId);
  const out = new Map<string, Ref[]>();
  for (const { key, ...ref } of rows) out.set(key, [...(out.get(key) ?? []), ref]);
  return out;
}

/** Who a membership change empowers, for the admin policies. */
function membershipTarget(member: Ref): AdminTarget {
  if (member.type === "User") return { kind: "membership", subject: member.id };
  if (member.type === "Agent") return { kind: "membership", agent: member.id };
  return { kind: "membership", subjectGroup: member.id };
}

/** Put `member` in `parent` (`held` true) or take it out; refused when it already is, or is not. */
async function setMembership(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  member: Ref,
  parent: Ref,
  held: boolean,
): Promise<void> {
  await checkMembershipRefs(deps.database, member, parent);
  if (held && member.type === "Group" && parent.type === "Group") {
    await refuseGroupCycle(deps.database, member.id, parent.id);
  }
  const verb = held ? "grant" : "revoke";
  const [memberName, parentName] = [`${member.type}::${member.id}`, `${parent.type}::${parent.id}`];
  await change(
    deps,
    actor,
    `admin:membership.${verb}`,
    membershipTarget(member),
    { action: `membership.${verb}`, target: memberName, detail: { parent: parentName } },
    async (tx) => {
      if (!held) {
        const removed = await deleteMembership(tx, member, parent);
        if (removed.length === 0) throw new EntitlementError("not_found", `${memberName} is not in ${parentName}`);
        return;
      }
      const added = await insertMembership(tx, member, parent, actor);
      if (added.length === 0) throw new EntitlementError("conflict", `${memberName} is already in ${parentName}`);
      // Separation of duties (sod.ts): refused, naming the conflict, if anyone now holds both sides.
      await assertNoSodConflict(tx, member);
    },
  );
}

const insertMembership = (tx: Session, member: Ref, parent: Ref, actor: AdminActor) =>
  tx.db
    .insert(memberships)
    .values({
      memberType: member.type,
      memberId: member.id,
      parentType: parent.type,
      parentId: parent.id,
      grantedBy: `User::${actor.userId}`,
    })
    .onConflictDoNothing()
    .returning({ memberId: memberships.memberId });

const deleteMembership = (tx: Session, member: Ref, parent: Ref) =>
  tx.db
    .delete(memberships)
    .where(
      and(
        eq(memberships.memberType, member.type),
        eq(memberships.memberId, member.id),
        eq(memberships.parentType, parent.type),
        eq(memberships.parentId, parent.id),
      ),
    )
    .returning({ memberId: memberships.memberId });

export const grantMembership = (deps: EntitlementAdminDeps, actor: AdminActor, member: Ref, parent: Ref) =>
  setMembership(deps, actor, member, parent, true);

export const revokeMembership = (deps: EntitlementAdminDeps, actor: AdminActor, member: Ref, parent: Ref) =>
  setMembership(deps, actor, member, parent, false);

async function checkMembershipRefs(database: Database, member: Ref, parent: Ref): Promise<void> {
  if (!(memberTypes as readonly string[]).includes(member.type)) {
    throw new EntitlementError("invalid_request", "member.type: must be User, Agent or Group");
  }
  if (!(parentTypes as readonly string[]).includes(parent.type)) {
    throw new EntitlementError("invalid_request", "parent.type: must be Group or Segment");
  }
  if (member.type === "Group" && parent.type === "Segment") {
    throw new EntitlementError("invalid_request", "a segment holds users and agents, not groups");
  }
  await mustExist(database, member.type, member.id);
  await mustExist(database, parent.type, parent.id);
}

async function refuseGroupCycle(database: Database, member: string, parent: string): Promise<void> {
  if (member === parent) throw new EntitlementError("invalid_request", "a group cannot be a member of itself");
  const rows = await rowsOf(
    database,
    sql`WITH RECURSIVE up(id) AS (
          SELECT ${parent}::text
          UNION SELECT m.parent_id FROM memberships m JOIN up ON m.member_type = 'Group' AND m.member_id = up.id
            AND m.parent_type = 'Group'
        ) SELECT 1 FROM up WHERE id = ${member}`,
  );
  if (rows.length > 0) {
    throw new EntitlementError("invalid_request", `Group::${parent} is already inside Group::${member}: no cycles`);
  }
}
