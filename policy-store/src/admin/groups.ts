import {
  type AdminActor,
  change,
  checkId,
  type EntitlementAdminDeps,
  mapUnique,
  type Ref,
  requireView,
} from "./context.js";
import { membersOf, parentsOf } from "./memberships.js";

export interface GroupRow {
  id: string;
  description: string;
  members: Ref[];
  memberOf: Ref[];
}

export async function listGroups(deps: EntitlementAdminDeps, actor: AdminActor): Promise<GroupRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{ id: string; description: string }>(
    "SELECT id, description FROM groups ORDER BY id",
  );
  const members = await membersOf(deps.database, "Group");
  const parents = await parentsOf(deps.database, "Group");
  return rows.map((r) => ({
    id: r.id,
    description: r.description,
    members: members.get(r.id) ?? [],
    memberOf: parents.get(r.id) ?? [],
  }));
}

export async function createGroup(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { id: string; description?: string | undefined },
): Promise<void> {
  checkId("id", input.id);
  await change(
    deps,
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
