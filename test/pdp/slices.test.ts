// Each link is decided by the slice of the policy set that can apply to it, with only the context
// its policies read, and Cedar's answer for a link is kept (policy-slices.ts, link-cache.ts).
// These tests hold the decisions to what the whole set would say.
import { pruneToShape, readPolicy } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { initiatePayment, stories } from "../support/requests.js";
import { policyDirWith, startTestPdp, type TestPdp, waitFor } from "../support/store.js";

const payment = (amount: number, id = "p-slices") => initiatePayment(id, amount);

describe("reading a policy", () => {
  it("takes the scope from the text: ==, in a list, is, in an entity", () => {
    expect(
      readPolicy('@id("a")\npermit (principal is User, action == Action::"dataset:read", resource is Dataset);').scope,
    ).toEqual({
      principalTypes: new Set(["User"]),
      actions: new Set(["dataset:read"]),
      resourceTypes: new Set(["Dataset"]),
    });
    expect(
      readPolicy(
        'permit (principal in Group::"staff", action in [Action::"payment:approve", Action::"payment:release"], resource == Payment::"p-1");',
      ).scope,
    ).toEqual({ actions: new Set(["payment:approve", "payment:release"]), resourceTypes: new Set(["Payment"]) });
  });

  it("falls back to Cedar's JSON form where the text has escapes", () => {
    expect(readPolicy('permit (principal, action == Action::"we\\"ird", resource);').scope).toEqual({
      actions: new Set(['we"ird']),
    });
  });

  it("follows context paths, `has` and indexing; a bare context means all of it", () => {
    const shape = readPolicy(
      'forbid (principal, action, resource) when { context.history.run.mnpiIssuers.isEmpty() && context has intent && context["request"].amount > 1 };',
    ).context;
    expect(shape).toEqual(
      new Map<string, unknown>([
        ["history", new Map([["run", new Map([["mnpiIssuers", true]])]])],
        ["intent", true],
        ["request", new Map([["amount", true]])],
      ]),
    );
    expect(readPolicy("permit (principal, action, resource) when { context == {} };").context).toBe(true);
    // "context" inside a string or as another record's attribute is not the context.
    expect(
      readPolicy('permit (principal, action, resource) when { resource.context == "context.x" };').context,
    ).toBeUndefined();
  });

  it("prunes a context to the paths read, keeping entity references and sets whole", () => {
    const context = {
      history: { run: { mnpiIssuers: [{ __entity: { type: "Issuer", id: "ACME" } }], issuers: [] }, agent: {} },
      intent: { __entity: { type: "Intent", id: "t" } },
      capability: "x",
    };
    const shape = readPolicy(
      "permit (principal, action, resource) when { context.history.run.mnpiIssuers.isEmpty() && context has intent };",
    ).context;
    expect(pruneToShape(context, shape)).toEqual({
      history: { run: { mnpiIssuers: [{ __entity: { type: "Issuer", id: "ACME" } }] } },
      intent: { __entity: { type: "Intent", id: "t" } },
    });
  });
});

describe("decisions over slices", () => {
  let pdp: TestPdp;
  let client: ReturnType<typeof pdpClient>;
  beforeAll(async () => {
    // Planted rules whose scopes are wider than a type or an action: `in` a group, a list of actions,
    // and a condition on the caller's facts, which the slice's context must carry.
    const policyDir = await policyDirWith({
      "planted.cedar": `@id("planted.staff-no-write") @reason("policy_denied")
forbid (principal in Group::"staff", action in [Action::"dataset:write", Action::"document:write"], resource);
@id("planted.no-purpose-x") @reason("policy_denied")
forbid (principal, action, resource is Dataset) when { context.request has purpose && context.request.purpose == "x" };`,
    });
    pdp = await startTestPdp({ policyDir });
    client = pdpClient(pdp);
  });
  afterAll(async () => pdp.close());

  it("applies a rule scoped by group membership and an action list", async () => {
    const { json } = await client.authorize({ ...stories.exportClientsDirectly, action: "dataset:write" });
    expect(json.reasons?.map((r) => r.policy)).toContain("planted.staff-no-write");
  });

  it("carries the caller's facts to a rule that reads them, for every link", async () => {
    const plain = await client.authorize(stories.readResearch);
    expect(plain.json.decision).toBe("allow");
    const flagged = await client.authorize({ ...stories.readResearch, context: { purpose: "x" } });
    expect(flagged.json.decision).toBe("deny");
    expect(flagged.json.reasons?.[0]).toMatchObject({ policy: "planted.no-purpose-x", link: "User::alice" });
  });

  it("answers a repeated request from the cache, and never across what the call was made of", async () => {
    const cache = pdp.engine.linkCache;
    await client.authorize(payment(5_000));
    const hits = cache.hits;
    const again = await client.authorize(payment(5_000));
    expect(again.json.decision).toBe("allow");
    expect(cache.hits).toBe(hits + 2); // dave's link and the agent's
    // Another new payment, with other caller attributes: evaluated afresh. (p-slices itself is now
    // recorded at 5,000; describing it otherwise is object_mismatch, test/harden/business-objects.)
    const large = await client.authorize(payment(50_000, "p-slices-large"));
    expect(large.json.reasons?.[0]?.code).toBe("approval_required");
    // An entitlement change is a new version: the cached allow is not reused.
    await pdp.database.query("UPDATE agents SET status = 'suspended' WHERE id = 'payments-agent'");
    try {
      await waitFor(
        async () => (await client.authorize(payment(5_000))).json.reasons?.[0]?.code === "principal_revoked",
        2_000,
      );
    } finally {
      await pdp.database.query("UPDATE agents SET status = 'active' WHERE id = 'payments-agent'");
    }
  });
});

describe("with the decision cache off", () => {
  let pdp: TestPdp;
  beforeAll(async () => {
    pdp = await startTestPdp({ linkCacheSize: 0 });
  });
  afterAll(async () => pdp.close());

  it("evaluates every link every time, with the same answers", async () => {
    const client = pdpClient(pdp);
    for (let i = 0; i < 2; i++) expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");
    expect((await client.authorize(stories.readDealDb)).json.reasons?.[0]?.code).toBe("barrier");
    expect(pdp.engine.linkCache.hits).toBe(0);
    expect(pdp.engine.linkCache.size).toBe(0);
  });
});
