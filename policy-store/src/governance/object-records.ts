// The business_objects rows: a caller-described object's attributes as first recorded, written in
// the statement of the audit record that fixed them (decision/business-objects.ts reads them back).
import type { SideInsert } from "../audit/chain.js";

/** One object's attributes, fixed by the decision that first recorded them. */
export interface ObjectFact {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  decisionId: string;
}

export function objectInserts(facts: ObjectFact[]): SideInsert[] {
  if (facts.length === 0) return [];
  const rows = facts.map((f) => ({
    object_type: f.type,
    object_id: f.id,
    attributes: f.attributes,
    decision_id: f.decisionId,
  }));
  return [
    {
      rows: JSON.stringify(rows),
      sql: (param, guard) =>
        `INSERT INTO business_objects (object_type, object_id, attributes, decision_id)
         SELECT o.object_type, o.object_id, o.attributes, o.decision_id
         FROM jsonb_to_recordset(${param}) AS o(object_type text, object_id text, attributes jsonb, decision_id text)
         ${guard} ON CONFLICT DO NOTHING`,
    },
  ];
}
