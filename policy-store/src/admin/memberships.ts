import type { Database } from "@pea/migrations";
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

/** Each member of `memberType` → the groups and segments it is in. */
export async function parentsOf(database: Database, memberType: string): Promise<Map<string, Ref[]>> {
  const rows = await database.query<{ member_id: string; parent_type: string; parent_id: string }>(
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

/** Each parent of `parentType` → its members. */
export async function membersOf(database: Database, parentType: string): Promise<Map<string, Ref[]>> {
  const rows = await database.query<{ member_type: string; member_id: string; parent_id: string }>(
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

/** Who a membership change empowers, for the admin policies. */
function membershipTarget(member: Ref): AdminTarget {
  if (member.type === "User") return { kind: "membership", subject: member.id };
  if (member.type === "Agent") return { kind: "membership", agent: member.id };
  return { kind: "membership", subjectGroup: member.id };
}

export async function grantMembership(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  member: Ref,
  parent: Ref,
): Promise<void> {
  await checkMembershipRefs(deps.database, member, parent);
  if (member.type === "Group" && parent.type === "Group") await refuseGroupCycle(deps.database, member.id, parent.id);
  await change(
    deps,
    actor,
    "admin:membership.grant",
    membershipTarget(member),
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

export async function revokeMembership(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  member: Ref,
  parent: Ref,
): Promise<void> {
  await checkMembershipRefs(deps.database, member, parent);
  await change(
    deps,
    actor,
    "admin:membership.revoke",
    membershipTarget(member),
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
        throw new EntitlementError("not_found", `${member.type}::${member.id} is not in ${parent.type}::${parent.id}`);
      }
    },
  );
}

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
  const rows = await database.query(
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
