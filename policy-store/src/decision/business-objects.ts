import type { Session } from "@pea/migrations";
import type { AuthorizeRequest } from "@pea/schemas";
import { canonicalJson } from "../audit/chain.js";
import type { DecisionEngine } from "../engine/engine.js";
import { objectInserts } from "../governance/object-records.js";
import { type Decision, deny } from "./decision.js";

/**
 * Business objects are facts PEA keeps (DESIGN item 13). A `@source("caller")` resource (a Payment)
 * is described by its caller; the first action PEA records on it (an allow, or an approval opened
 * for it) fixes that description (table business_objects). Later requests are judged on the
 * recorded attributes (a caller may omit them); one that describes the object differently is
 * denied object_mismatch, naming the attribute. Approvals and artifacts bind the recorded ones.
 */
export interface RecordedObject {
  /** The request, its resource carrying the recorded attributes when the object is known. */
  request: AuthorizeRequest;
  /** Set when the request re-describes a recorded object, or the record could not be read. */
  denied?: Decision | undefined;
  /** The resource is a business object (caller-described): its first recorded action fixes it. */
  object?: true;
}

export async function asRecorded(engine: DecisionEngine, request: AuthorizeRequest): Promise<RecordedObject> {
  const inputs = engine.inputs();
  const { resource } = request;
  if ("decision" in inputs || inputs.schema.entityTypes.get(resource.type)?.source !== "caller") return { request };
  if (inputs.snapshot.get(resource.type, resource.id)) return { request };
  let rows: Array<{ attributes: Record<string, unknown> }>;
  try {
    rows = await engine.database.query(
      "SELECT attributes FROM business_objects WHERE object_type = $1 AND object_id = $2",
      [resource.type, resource.id],
    );
  } catch (error) {
    const why = `the record of ${resource.type}::${resource.id} could not be read: ${(error as Error).message}`;
    return { request, denied: deny("store_unavailable", why) };
  }
  const recorded = rows[0]?.attributes;
  if (!recorded) return { request, object: true };
  for (const [name, value] of Object.entries(resource.attributes ?? {})) {
    if (!(name in recorded) || canonicalJson(value) !== canonicalJson(recorded[name])) {
      const message = `resource.attributes.${name} differs from what PEA recorded for ${resource.type}::${resource.id}`;
      return { request, denied: deny("object_mismatch", message) };
    }
  }
  return { request: { ...request, resource: { ...resource, attributes: recorded } }, object: true };
}

/** An approval was opened for a business object: its description is fixed from now on. */
export async function fixOnApproval(
  database: Session,
  recorded: RecordedObject,
  outcome: Decision,
  decisionId: string,
): Promise<void> {
  const { request } = recorded;
  const attributes = request.resource.attributes;
  if (!recorded.object || !attributes || !outcome.obligations.some((o) => o.type === "approval")) return;
  const [insert] = objectInserts([{ ...request.resource, attributes, decisionId }]);
  if (insert) await database.query(insert.sql("$1::jsonb", ""), [insert.rows]);
}
