// Leaving out of a Cedar call the ancestors no policy can ask about.
//
// Cedar answers `e in g` (and `is … in g`) from e's ancestors, and a policy can only ask about a g
// it can name: an entity literal in its text, or a uid it reads from the request, the context or an
// attribute of an entity. An ancestor that none of these names cannot change any answer, so it need
// not be sent; and every one sent costs cedar-wasm a parse (at bank size a user in 100 groups costs
// about four times a user in three, most of a decision's CPU). The entities themselves stay:
// only their lists of parents shrink, and never by an entity that is itself sent.
import type { EntityJson } from "./cedar.js";

const keyOf = (uid: { type: string; id: string }) => `${uid.type}::${uid.id}`;

/** Every uid in a value in Cedar's explicit JSON form (`{ __entity: { type, id } }`), added to `into`. */
function collectUids(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectUids(item, into);
  } else if (value !== null && typeof value === "object") {
    const ref = (value as { __entity?: { type?: unknown; id?: unknown } }).__entity;
    if (ref && typeof ref.type === "string" && typeof ref.id === "string") into.add(`${ref.type}::${ref.id}`);
    else for (const inner of Object.values(value)) collectUids(inner, into);
  }
}

/**
 * The call's entities with each one's parents cut down to those some policy could name.
 * `policyNames`: the entities the slice's policies name (undefined: unknown, nothing is pruned);
 * `requestUids`: the principal, action and resource; `context`: what the call sends as context.
 */
export function pruneAncestors(
  entities: EntityJson[],
  policyNames: ReadonlySet<string> | undefined,
  requestUids: Array<{ type: string; id: string }>,
  context: Record<string, unknown>,
): EntityJson[] {
  if (!policyNames) return entities;
  const named = new Set(requestUids.map(keyOf));
  collectUids(context, named);
  for (const entity of entities) {
    collectUids(entity.attrs, named);
    // An entity sent stays a parent wherever it is one: a cycle in the store still reaches Cedar,
    // which refuses it, instead of being cut open here.
    named.add(keyOf(entity.uid as { type: string; id: string }));
  }
  const nameable = (parent: { type: string; id: string }) => {
    const key = keyOf(parent);
    return policyNames.has(key) || named.has(key);
  };
  return entities.map((entity) => {
    const parents = entity.parents as Array<{ type: string; id: string }>;
    const kept = parents.filter(nameable);
    return kept.length === parents.length ? entity : { ...entity, parents: kept };
  });
}
