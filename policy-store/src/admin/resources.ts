import { cedar } from "../cedar/cedar.js";
import {
  type AdminActor,
  change,
  type EntitlementAdminDeps,
  EntitlementError,
  json,
  mustExist,
  type Ref,
  requireView,
} from "./context.js";

/** Entity types whose rows are not registered resources. */
const nonResourceTypes = new Set(["User", "Agent", "Group", "Segment", "Intent", "AdminTarget"]);

export interface ResourceRow {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  parents: Ref[];
}

export async function listResources(deps: EntitlementAdminDeps, actor: AdminActor): Promise<ResourceRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{ type: string; id: string; attributes: unknown; parents: unknown }>(
    "SELECT type, id, attributes, parents FROM resources ORDER BY type, id",
  );
  return rows.map((r) => ({
    type: r.type,
    id: r.id,
    attributes: json(r.attributes) as Record<string, unknown>,
    parents: json(r.parents) as Ref[],
  }));
}

export async function putResource(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { type: string; id: string; attributes: Record<string, unknown>; parents?: Ref[] | undefined },
): Promise<{ created: boolean }> {
  const schema = deps.schema();
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
    await mustExist(deps.database, "Segment", p.id);
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
  return change(
    deps,
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
