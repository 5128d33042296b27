import { tables } from "@pea/migrations";
import type { AdminAction } from "./authorizer.js";
import { type AdminActor, type EntitlementAdminDeps, type Ref, requireView, rowCreator } from "./context.js";
import { membersOf, parentsOf } from "./memberships.js";

/** Groups and information-barrier segments: both an id, a description and members. */

export interface SegmentRow {
  id: string;
  description: string;
  members: Ref[];
}

export interface GroupRow extends SegmentRow {
  memberOf: Ref[];
}

const containers = {
  Group: { table: tables.groups, write: "admin:group.write", kind: "group" },
  Segment: { table: tables.segments, write: "admin:segment.write", kind: "segment" },
} as const satisfies Record<string, { table: unknown; write: AdminAction; kind: string }>;

async function listContainers(deps: EntitlementAdminDeps, actor: AdminActor, type: keyof typeof containers) {
  await requireView(deps, actor);
  const { table } = containers[type];
  const rows = await deps.database.db
    .select({ id: table.id, description: table.description })
    .from(table)
    .orderBy(table.id);
  const members = await membersOf(deps.database, type);
  return rows.map((r) => ({ ...r, members: members.get(r.id) ?? [] }));
}

const containerCreator = (type: keyof typeof containers) =>
  rowCreator((input: { id: string; description?: string | undefined }) => {
    const { table, write, kind } = containers[type];
    return {
      permission: write,
      target: { kind },
      record: { action: `${kind}.create`, target: `${type}::${input.id}` },
      insert: (tx) => tx.db.insert(table).values({ id: input.id, description: input.description ?? "" }),
    };
  });

export async function listGroups(deps: EntitlementAdminDeps, actor: AdminActor): Promise<GroupRow[]> {
  const rows = await listContainers(deps, actor, "Group");
  const parents = await parentsOf(deps.database, "Group");
  return rows.map((r) => ({ ...r, memberOf: parents.get(r.id) ?? [] }));
}

export const createGroup = containerCreator("Group");

export const listSegments = (deps: EntitlementAdminDeps, actor: AdminActor): Promise<SegmentRow[]> =>
  listContainers(deps, actor, "Segment");

export const createSegment = containerCreator("Segment");
