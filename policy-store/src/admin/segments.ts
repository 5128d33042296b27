import {
  type AdminActor,
  change,
  checkId,
  type EntitlementAdminDeps,
  mapUnique,
  type Ref,
  requireView,
} from "./context.js";
import { membersOf } from "./memberships.js";

/** Information-barrier segments. */
export interface SegmentRow {
  id: string;
  description: string;
  members: Ref[];
}

export async function listSegments(deps: EntitlementAdminDeps, actor: AdminActor): Promise<SegmentRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{ id: string; description: string }>(
    "SELECT id, description FROM segments ORDER BY id",
  );
  const members = await membersOf(deps.database, "Segment");
  return rows.map((r) => ({ id: r.id, description: r.description, members: members.get(r.id) ?? [] }));
}

export async function createSegment(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { id: string; description?: string | undefined },
): Promise<void> {
  checkId("id", input.id);
  await change(
    deps,
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
