import { tables } from "@pea/migrations";
import { sql } from "drizzle-orm";
import { cedar } from "../cedar/cedar.js";
import {
  type AdminActor,
  change,
  type EntitlementAdminDeps,
  EntitlementError,
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
  const { resources } = tables;
  return deps.database.db
    .select({ type: resources.type, id: resources.id, attributes: resources.attributes, parents: resources.parents })
    .from(resources)
    .orderBy(resources.type, resources.id);
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
      const { resources } = tables;
      const rows = await tx.db
        .insert(resources)
        .values({ type: input.type, id: input.id, attributes: input.attributes, parents })
        .onConflictDoUpdate({
          target: [resources.type, resources.id],
          set: { attributes: sql`excluded.attributes`, parents: sql`excluded.parents` },
        })
        // xmax is 0 on a row this statement inserted, not on one it updated.
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      return { created: rows[0]?.inserted === true };
    },
  );
}
