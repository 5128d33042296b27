// The one place PEA asks Cedar for a decision. Every caller (the decision pipeline, approval
// waivers, the admin authorizer) gets the same fail-closed reading of Cedar's answer.
import { cedar, type EntityJson } from "./cedar.js";

/** One principal's request to Cedar, against one preparsed policy set (a slice, slices.ts). */
export interface LinkCall {
  principal: { type: string; id: string };
  action: string;
  resource: { type: string; id: string };
  context: Record<string, unknown>;
  policySetId: string;
  entities: EntityJson[];
  /** A preparsed schema to validate the request against; without it Cedar trusts PEA's own checks. */
  schemaName?: string | undefined;
}

/**
 * Cedar's answer, read fail-closed: a failure to evaluate, or any policy that errored, is an
 * `error` (Cedar skips an erroring policy, so an erroring forbid would otherwise let an allow
 * through). `policies` are the permits behind an allow or the forbids behind a deny.
 */
export type LinkAnswer =
  | { effect: "allow" | "deny"; policies: string[] }
  | { effect: "error"; message: string | undefined; policy?: string | undefined };

export function evaluateLink(call: LinkCall): LinkAnswer {
  const answer = cedar.statefulIsAuthorized({
    principal: call.principal,
    action: { type: "Action", id: call.action },
    resource: call.resource,
    context: call.context as Record<string, never>,
    preparsedPolicySetId: call.policySetId,
    entities: call.entities,
    ...(call.schemaName !== undefined ? { preparsedSchemaName: call.schemaName, validateRequest: true } : {}),
  });
  if (answer.type === "failure") {
    return { effect: "error", message: answer.errors.map((e) => e.message).join("; ") };
  }
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) {
    const first = diagnostics.errors[0];
    return { effect: "error", message: first?.error.message, policy: first?.policyId };
  }
  return { effect: decision, policies: diagnostics.reason };
}

/** Entities from several sources, each once (the first occurrence wins). */
export function uniqueEntities(...groups: EntityJson[][]): EntityJson[] {
  if (groups.length === 1) return groups[0] ?? [];
  const seen = new Set<string>();
  const out: EntityJson[] = [];
  for (const group of groups) {
    for (const entity of group) {
      const uid = entity.uid as { type: string; id: string };
      const key = `${uid.type}::${uid.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(entity);
    }
  }
  return out;
}
