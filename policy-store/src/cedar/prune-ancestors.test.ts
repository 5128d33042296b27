// Pruning ancestors must never change an answer. Policies below reach groups every way Cedar
// allows (a literal in the scope or the condition, an attribute, a set attribute, the context, the
// principal as someone's ancestor); random principals in many groups and random resources are
// decided with every ancestor sent and with the pruned ones, by the real engine, and must agree,
// also where the entities form a cycle (Cedar refuses it: pruning must not cut it open).
import { describe, expect, it } from "vitest";
import { cedar, type EntityJson } from "./cedar.js";
import { evaluateLink } from "./evaluate.js";
import { pruneAncestors } from "./prune-ancestors.js";
import { readPolicy } from "./slices.js";

const policies: Record<string, string> = {
  "literal-scope": 'permit (principal in Group::"g1", action == Action::"read", resource);',
  "literal-condition": 'forbid (principal, action == Action::"read", resource) when { principal in Group::"g2" };',
  "namespaced-literal": 'permit (principal in Bank::Desk::"d1", action == Action::"read", resource);',
  "set-literal": 'permit (principal, action, resource) when { principal in [Group::"g3", Group::"g4"] };',
  attribute: 'permit (principal, action == Action::"read", resource) when { principal in resource.team };',
  "set-attribute": "forbid (principal, action, resource) when { principal in resource.barred };",
  context: 'permit (principal, action == Action::"write", resource) when { principal in context.team };',
  "principal-attribute": "permit (principal, action, resource) when { resource in principal.home };",
  "principal-as-ancestor": 'permit (principal, action == Action::"own", resource) when { resource in principal };',
  "action-group": 'permit (principal, action in Action::"any-read", resource) when { principal in Group::"g5" };',
};

const names = new Set<string>();
for (const text of Object.values(policies)) {
  const read = readPolicy(text).names;
  if (read === true) throw new Error("every literal here is readable");
  for (const name of read) names.add(name);
}

/** A small deterministic generator, so a failure reproduces. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return { below: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p };
}

const group = (i: number) => ({ type: "Group", id: `g${i}` });
const ref = (uid: { type: string; id: string }) => ({ __entity: uid });

describe("pruneAncestors", () => {
  it("reads every entity literal of a policy, namespaced and in sets", () => {
    expect([...names].sort()).toEqual(
      [
        "Action::any-read",
        "Action::own",
        "Action::read",
        "Action::write",
        "Bank::Desk::d1",
        "Group::g1",
        "Group::g2",
        "Group::g3",
        "Group::g4",
        "Group::g5",
      ].sort(),
    );
    expect(readPolicy('permit (principal in Group::"we\\"ird", action, resource);').names).toBe(true);
  });

  it("gives the same answer as sending every ancestor, over 600 random requests", () => {
    const set = cedar.preparsePolicySet("prune-ancestors-test", { staticPolicies: policies });
    expect(set.type).toBe("success");
    const random = generator(7);
    let dropped = 0;
    const effects = new Set<string>();
    for (let n = 0; n < 600; n++) {
      const parents = Array.from({ length: 40 }, (_, i) => i)
        .filter(() => random.chance(0.3))
        .map(group);
      if (random.chance(0.2)) parents.push({ type: "Bank::Desk", id: "d1" });
      const principal = { type: "User", id: `u${n}` };
      const resource = { type: "Dataset", id: `r${n}` };
      if (random.chance(0.2)) parents.push(resource);
      const user: EntityJson = {
        uid: principal,
        attrs: { home: ref({ type: "Segment", id: `s${random.below(5)}` }) },
        parents,
      };
      const dataset: EntityJson = {
        uid: resource,
        attrs: {
          team: ref(group(random.below(40))),
          barred: [ref(group(random.below(40))), ref(group(random.below(40)))],
        },
        parents: [{ type: "Segment", id: `s${random.below(5)}` }, ...(random.chance(0.3) ? [principal] : [])],
      };
      const action = ["read", "write", "own", "any-read"][random.below(4)] as string;
      const actionEntity: EntityJson = {
        uid: { type: "Action", id: action },
        attrs: {},
        parents: action === "read" ? [{ type: "Action", id: "any-read" }] : [],
      };
      const context = { team: ref(group(random.below(40))) };
      const entities = [user, dataset, actionEntity];
      const pruned = pruneAncestors(
        entities,
        names,
        [principal, actionEntity.uid as typeof principal, resource],
        context,
      );
      dropped += user.parents.length - (pruned[0] as EntityJson).parents.length > 0 ? 1 : 0;
      const call = { principal, action, resource, context, policySetId: "prune-ancestors-test" };
      // Cedar lists the determining policies in no fixed order.
      const answer = (entities: EntityJson[]) => {
        const result = evaluateLink({ ...call, entities });
        // An error (a cycle, which this generator makes now and then) is compared by effect alone:
        // which vertex Cedar names may differ.
        return result.effect === "error" ? { effect: "error" } : { ...result, policies: [...result.policies].sort() };
      };
      const full = answer(entities);
      expect(answer(pruned), `request ${n}`).toEqual(full);
      effects.add(full.effect);
    }
    // The requests exercised both answers, and pruning left something out of almost all of them.
    expect([...effects].sort()).toEqual(["allow", "deny", "error"]);
    expect(dropped).toBeGreaterThan(500);
  });

  it("keeps a cycle through an entity sent for its attributes, which Cedar then refuses", () => {
    const principal = { type: "User", id: "u" };
    const record = { type: "Record", id: "r" };
    const entities: EntityJson[] = [
      { uid: principal, attrs: {}, parents: [record, group(30)] },
      { uid: record, attrs: { level: 1 }, parents: [principal] },
    ];
    const pruned = pruneAncestors(entities, names, [principal, { type: "Action", id: "read" }, group(9)], {});
    expect(pruned.map((e) => e.parents)).toEqual([[record], [principal]]);
  });

  it("prunes nothing when a policy names an entity it could not read", () => {
    const user: EntityJson = { uid: { type: "User", id: "u" }, attrs: {}, parents: [group(1), group(2)] };
    expect(pruneAncestors([user], undefined, [], {})).toEqual([user]);
  });
});
