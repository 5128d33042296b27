// decide() on its own: a small schema, a few policies and entities made here, the real Cedar engine,
// no database. What the pipeline around it adds (facts lookup, revocations, records) is tested
// through the HTTP apps under test/.
import { describe, expect, it } from "vitest";
import type { EntityJson } from "../cedar/cedar.js";
import { loadSchema } from "../cedar/schema.js";
import { entityKey, Snapshot } from "../engine/snapshot.js";
import { compilePolicySet } from "../policy/policy-set.js";
import type { Run } from "../trust/runs.js";
import { decide } from "./decide.js";
import type { DecisionRequest } from "./decision.js";
import type { DecisionFacts, DecisionInputs } from "./inputs.js";

const schema = loadSchema(`
type RequestFacts = { ticket?: String };
entity Group;
entity Intent;
entity User in [Group] { status: String };
entity Agent in [Group] { owner: User, status: String };
entity Dataset { classification: String };
@source("caller")
entity Payment { amount: Long };
@source("email")
entity EmailAddress { domain: String, external: Bool };
action "dataset:read" appliesTo {
  principal: [User, Agent], resource: [Dataset],
  context: { request: RequestFacts, depth: Long }
};
action "payment:initiate" appliesTo { principal: [User, Agent], resource: [Payment], context: {} };
action "email:send" appliesTo { principal: [User, Agent], resource: [EmailAddress], context: {} };
`);

const policies = compilePolicySet(
  [
    {
      file: "test.cedar",
      text: `
@id("analysts-read")
permit (principal in Group::"analysts", action == Action::"dataset:read", resource)
when { resource.classification != "secret" };

@id("no-deep-chains")
@reason("policy_denied")
@message("chains deeper than one agent are refused")
forbid (principal, action == Action::"dataset:read", resource) when { context.depth > 1 };

@id("payers")
permit (principal in Group::"payers", action == Action::"payment:initiate", resource);

@id("large-payment-approval")
@reason("approval_required")
@approval("approvers")
forbid (principal, action == Action::"payment:initiate", resource is Payment)
when { resource.amount > 10000 };

@id("inside-only")
permit (principal in Group::"analysts", action == Action::"email:send", resource)
when { !resource.external };
`,
    },
  ],
  schema,
);

const entity = (type: string, id: string, attrs: Record<string, unknown>, parents: string[] = []): EntityJson => ({
  uid: { type, id },
  attrs: attrs as EntityJson["attrs"],
  parents: parents.map((g) => ({ type: "Group", id: g })),
});
const entities = [
  entity("Group", "analysts", {}),
  entity("Group", "payers", {}),
  entity("User", "alice", { status: "active" }, ["analysts", "payers"]),
  entity("User", "bob", { status: "active" }),
  entity("Agent", "helper", { owner: { __entity: { type: "User", id: "alice" } }, status: "active" }, ["analysts"]),
  entity("Agent", "outsider", { owner: { __entity: { type: "User", id: "bob" } }, status: "active" }),
  entity("Dataset", "research", { classification: "internal" }),
  entity("Dataset", "vault", { classification: "secret" }),
  entity("Intent", "research-task", {}),
];
const byKey = () =>
  new Map(
    entities.map((e) => {
      const { type, id } = e.uid as { type: string; id: string };
      return [entityKey(type, id), e] as const;
    }),
  );
const snapshot = new Snapshot(1, byKey());
const inputs = (facts?: DecisionFacts): DecisionInputs => ({
  schema,
  policies,
  snapshot,
  firmDomains: ["bank.example"],
  facts,
});

const alice = { type: "User", id: "alice" };
const helper = { type: "Agent", id: "helper" };
const read = (id: string, over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  principal: alice,
  chain: [],
  action: "dataset:read",
  resource: { type: "Dataset", id },
  context: {},
  ...over,
});

describe("decide()", () => {
  it("allows what a permit covers and names the permits", () => {
    expect(decide(read("research"), inputs())).toMatchObject({
      decision: "allow",
      reasons: [],
      determiningPolicies: ["analysts-read"],
    });
  });

  it("denies not_permitted when nothing permits, naming the link", () => {
    const outcome = decide(read("vault"), inputs());
    expect(outcome).toMatchObject({ decision: "deny", reasons: [{ code: "not_permitted", link: "User::alice" }] });
  });

  it("evaluates every link of the chain and names the first one denied", () => {
    const viaOutsider = decide(
      read("research", { principal: { type: "Agent", id: "outsider" }, chain: [alice] }),
      inputs(),
    );
    expect(viaOutsider.reasons[0]).toMatchObject({ code: "not_permitted", link: "Agent::outsider" });
    const forBob = decide(read("research", { principal: helper, chain: [{ type: "User", id: "bob" }] }), inputs());
    expect(forBob.reasons[0]).toMatchObject({ code: "not_permitted", link: "User::bob" });
    expect(decide(read("research", { principal: helper, chain: [alice] }), inputs()).decision).toBe("allow");
  });

  it("gives each link its depth: a forbid on context.depth names its reason, message and link", () => {
    const deep = read("research", { principal: helper, chain: [alice, { type: "Agent", id: "helper" }] });
    expect(decide(deep, inputs()).reasons[0]).toEqual({
      code: "policy_denied",
      message: "chains deeper than one agent are refused",
      policy: "no-deep-chains",
      link: "Agent::helper",
    });
  });

  it("refuses unknown principals, actions, resources and intents before any policy", () => {
    expect(decide(read("research", { principal: { type: "User", id: "mallory" } }), inputs()).reasons[0]).toMatchObject(
      { code: "unknown_entity", link: "User::mallory" },
    );
    expect(decide(read("nowhere"), inputs()).reasons[0]?.code).toBe("unknown_entity");
    expect(decide(read("research", { action: "dataset:delete" }), inputs()).reasons[0]?.code).toBe("unknown_entity");
    expect(decide(read("research", { intent: "no-such-task" }), inputs()).reasons[0]?.code).toBe("unknown_entity");
    const wrongType = decide({ ...read("research"), resource: { type: "Payment", id: "p1" } }, inputs());
    expect(wrongType.reasons[0]?.code).toBe("invalid_request");
  });

  it("checks the caller's facts against the schema (a mistyped field is invalid_request)", () => {
    expect(decide(read("research", { context: { ticket: "T-1" } }), inputs()).decision).toBe("allow");
    const mistyped = decide(read("research", { context: { ticket: 7 } }), inputs());
    expect(mistyped.reasons[0]).toMatchObject({ code: "invalid_request" });
  });

  it("judges a caller-described object on its described attributes, and e-mail by the firm's domains", () => {
    const pay = (amount: unknown): DecisionRequest => ({
      principal: alice,
      chain: [],
      action: "payment:initiate",
      resource: { type: "Payment", id: "p1", attributes: { amount } },
      context: {},
    });
    expect(decide(pay(500), inputs()).decision).toBe("allow");
    expect(decide(pay("lots"), inputs()).reasons[0]?.code).toBe("invalid_request");
    const mail = (to: string) =>
      decide(
        { principal: alice, chain: [], action: "email:send", resource: { type: "EmailAddress", id: to }, context: {} },
        inputs(),
      );
    expect(mail("desk@bank.example").decision).toBe("allow");
    expect(mail("desk@EU.BANK.EXAMPLE").decision).toBe("allow");
    expect(mail("friend@elsewhere.example").reasons[0]?.code).toBe("not_permitted");
    expect(mail("not-an-address").reasons[0]?.code).toBe("invalid_request");
  });

  it("turns a forbid that only an approval can lift into approval_required with what the approval must satisfy", () => {
    const outcome = decide(
      {
        principal: alice,
        chain: [],
        action: "payment:initiate",
        resource: { type: "Payment", id: "p2", attributes: { amount: 50_000 } },
        context: {},
      },
      inputs(),
    );
    expect(outcome.decision).toBe("deny");
    expect(outcome.reasons[0]).toMatchObject({ code: "approval_required", policy: "large-payment-approval" });
    expect(outcome.approval).toEqual({
      link: "User::alice",
      requirements: [{ policy: "large-payment-approval", group: "approvers", approvers: 1 }],
    });
    // Bob holds no permit: an approval could not help him.
    const bobs = decide(
      {
        principal: { type: "User", id: "bob" },
        chain: [],
        action: "payment:initiate",
        resource: { type: "Payment", id: "p3", attributes: { amount: 50_000 } },
        context: {},
      },
      inputs(),
    );
    expect(bobs.reasons[0]?.code).toBe("not_permitted");
  });

  describe("runs (facts PEA looked up, never the caller's word)", () => {
    const now = new Date("2026-06-01T12:00:00Z");
    const run = (over: Partial<Run> = {}): Run => ({
      id: "run-1",
      principal: helper,
      chain: [alice],
      intent: "research-task",
      purpose: null,
      status: "active",
      expiresAt: new Date(now.getTime() + 60_000),
      createdAt: now,
      createdBy: null,
      startedBy: "alice",
      subAgents: [],
      ...over,
    });
    const inRun = read("research", { principal: helper, chain: [alice], run: "run-1", intent: "research-task" });

    it("allows inside a live run that matches the request", () => {
      expect(decide(inRun, inputs({ now, run: run() })).decision).toBe("allow");
    });

    it("denies when the run is unknown, not looked up, paused, expired or someone else's", () => {
      const code = (facts: DecisionFacts | undefined) => decide(inRun, inputs(facts)).reasons[0]?.code;
      expect(code(undefined)).toBe("run_inactive");
      expect(code({ now, run: null })).toBe("unknown_entity");
      expect(code({ now, run: run({ status: "paused" }) })).toBe("run_inactive");
      expect(code({ now, run: run({ expiresAt: new Date(now.getTime() - 1) }) })).toBe("run_inactive");
      expect(code({ now, run: run({ chain: [{ type: "User", id: "bob" }] }) })).toBe("run_mismatch");
    });
  });

  it("denies sod when a link holds two groups kept apart, whatever the policies say", () => {
    const split = new Snapshot(2, byKey());
    split.sodConflicts = [{ a: "analysts", b: "payers", description: "no analyst pays" }];
    const outcome = decide(read("research"), { ...inputs(), snapshot: split });
    expect(outcome.reasons[0]).toMatchObject({ code: "sod", link: "User::alice" });
  });
});
