// Approvals: the payments story of the demo bank, and every way an approval must not be abused.
import { createApiKey } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { initiatePayment } from "../support/requests.js";
import { policyDirWith, startTestPdp, type TestPdp, waitFor } from "../support/store.js";

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
const keys: Record<string, string> = {};

const payment = (id: string, amount: number, extra: Record<string, unknown> = {}) => ({
  ...initiatePayment(id, amount, "Acme Supplies"),
  context: { amount, currency: "EUR", purpose: "invoice-4711" },
  ...extra,
});
const as = (user: string) => ({ authorization: `Bearer ${keys[user]}` });
type ApprovalJson = { id: string; status: string; votes: unknown[]; requirements: Array<{ group: string }> };

beforeAll(async () => {
  pdp = await startTestPdp();
  client = pdpClient(pdp);
  for (const user of ["dave", "erin", "carol", "bob"]) {
    keys[user] = (
      await createApiKey(pdp.database, { kind: "user", name: user, userId: user, scopes: ["approvals"] })
    ).key;
  }
  keys.unbound = (await createApiKey(pdp.database, { kind: "admin", name: "robot", scopes: ["approvals"] })).key;
  await waitFor(() => Object.values(keys).every((k) => pdp.engine.keys.verify(k) !== undefined));
});
afterAll(async () => pdp.close());

describe("the payments story", () => {
  it("asks for an approval, lets erin approve, allows once, and never again", async () => {
    const request = payment("p-50k", 50_000);
    const first = await client.authorize(request);
    expect(first.status).toBe(200);
    expect(first.json.decision).toBe("deny");
    expect(first.json.reasons?.[0]).toMatchObject({ code: "approval_required", policy: "bank.large-payment-approval" });
    const obligations = first.json.obligations as Array<{ type: string; approvalId: string }>;
    expect(obligations).toEqual([{ type: "approval", approvalId: expect.stringMatching(/^apr_/) }]);
    const approvalId = obligations[0]?.approvalId as string;
    expect(first.json.artifact).toBeUndefined();

    // Asking again for the same request returns the same approval.
    const again = await client.authorize(request);
    expect((again.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId).toBe(approvalId);

    // It is in the queue, showing the exact request and who must approve.
    const queue = await client.call("GET", "/v1/approvals?status=pending", undefined, as("erin"));
    expect(queue.status).toBe(200);
    const pending = (queue.json.approvals as ApprovalJson[]).find((a) => a.id === approvalId);
    expect(pending?.requirements[0]?.group).toBe("payments-approvers");

    // Bringing the approval before it is approved is still a deny.
    const early = await client.authorize({ ...request, approval: approvalId });
    expect(early.json.decision).toBe("deny");
    expect(early.json.reasons?.[0]?.message).toContain("pending");

    // dave approving his own payment is refused.
    const self = await client.call("POST", `/v1/approvals/${approvalId}/approve`, {}, as("dave"));
    expect(self.status).toBe(403);
    expect(self.json.error?.message).toMatch(/separation of duties/);

    const approved = await client.call("POST", `/v1/approvals/${approvalId}/approve`, {}, as("erin"));
    expect(approved.status).toBe(200);
    expect((approved.json as unknown as ApprovalJson).status).toBe("approved");

    const allowed = await client.authorize({ ...request, approval: approvalId });
    expect(allowed.json.decision).toBe("allow");
    expect(typeof allowed.json.artifact).toBe("string");

    const replay = await client.authorize({ ...request, approval: approvalId });
    expect(replay.json.decision).toBe("deny");
    expect(replay.json.reasons?.[0]).toMatchObject({ code: "approval_required" });
    expect(replay.json.reasons?.[0]?.message).toContain("already been used");

    const after = await client.call("GET", `/v1/approvals/${approvalId}`, undefined, as("erin"));
    expect(after.json).toMatchObject({ status: "used", usedByDecision: allowed.json.decisionId });
  });

  it("asks for no approval where nothing would permit the action anyway", async () => {
    const { json } = await client.authorize({
      principal: { type: "User", id: "carol" },
      action: "payment:initiate",
      resource: { type: "Payment", id: "p-carol", attributes: { amount: 50_000, currency: "EUR", payee: "Acme" } },
    });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]).toMatchObject({ code: "not_permitted", link: "User::carol" });
    expect(json.obligations).toEqual([]);
  });

  it("allows a small payment without any approval", async () => {
    const { json } = await client.authorize(payment("p-small", 900));
    expect(json.decision).toBe("allow");
    expect(json.obligations).toEqual([]);
  });
});

describe("an approval buys exactly one request", () => {
  const approveFor = async (request: Record<string, unknown>) => {
    const { json } = await client.authorize(request);
    const id = (json.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;
    const ok = await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("erin"));
    expect(ok.status).toBe(200);
    return id;
  };

  it("does not stretch to a different amount, and is still good for its own", async () => {
    const id = await approveFor(payment("p-amt", 20_000));
    // Opening the approval fixed p-amt at 20,000: described bigger, it is another object's story.
    const bigger = await client.authorize({ ...payment("p-amt", 90_000), approval: id });
    expect(bigger.json.decision).toBe("deny");
    expect(bigger.json.reasons?.[0]?.code).toBe("object_mismatch");
    expect(bigger.json.obligations).toEqual([]);
    // A bigger payment of its own gets an approval of its own.
    const own = await client.authorize({ ...payment("p-amt-2", 90_000), approval: id });
    expect(own.json.reasons?.[0]?.message).toContain("different request");
    const other = (own.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId;
    expect(other).toMatch(/^apr_/);
    expect(other).not.toBe(id);
    // a different context.request (same amount) is a different request too
    const otherPurpose = await client.authorize({
      ...payment("p-amt", 20_000),
      context: { amount: 20_000, currency: "EUR", purpose: "something else" },
      approval: id,
    });
    expect(otherPurpose.json.decision).toBe("deny");
    expect((await client.authorize({ ...payment("p-amt", 20_000), approval: id })).json.decision).toBe("allow");
  });

  it("does not transfer to another principal, chain or resource", async () => {
    const id = await approveFor(payment("p-who", 30_000));
    const otherResource = await client.authorize({ ...payment("p-who-2", 30_000), approval: id });
    expect(otherResource.json.decision).toBe("deny");
    const direct = await client.authorize({
      ...payment("p-who", 30_000),
      principal: { type: "User", id: "dave" },
      chain: [],
      intent: undefined,
      approval: id,
    });
    expect(direct.json.decision).toBe("deny");
    expect((await client.authorize({ ...payment("p-who", 30_000), approval: id })).json.decision).toBe("allow");
  });

  it("is one approval for concurrent askers, and buys exactly one of concurrent uses", async () => {
    const request = payment("p-concurrent", 25_000);
    const asked = await Promise.all(Array.from({ length: 6 }, () => client.authorize(request)));
    const ids = new Set(asked.map((r) => (r.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    expect((await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("erin"))).status).toBe(200);
    const used = await Promise.all(Array.from({ length: 6 }, () => client.authorize({ ...request, approval: id })));
    expect(used.filter((r) => r.json.decision === "allow")).toHaveLength(1);
  });

  it("names an unknown approval and still opens the right one", async () => {
    const { json } = await client.authorize({ ...payment("p-ghost", 40_000), approval: "apr_doesnotexist" });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.message).toContain("does not exist");
  });
});

describe("who may approve", () => {
  let id: string;
  beforeAll(async () => {
    const { json } = await client.authorize(payment("p-who-may", 60_000));
    id = (json.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;
  });

  it("refuses a key bound to no user", async () => {
    const { status, json } = await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("unbound"));
    expect(status).toBe(403);
    expect(json.error?.message).toMatch(/bound to a user/);
  });

  it("refuses users outside the approver group", async () => {
    const { status, json } = await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("carol"));
    expect(status).toBe(403);
    expect(json.error?.message).toMatch(/payments-approvers/);
  });

  it("refuses self-approval through an agent even when the owner holds the approver group", async () => {
    await pdp.database.query(
      "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('User', 'dave', 'Group', 'payments-approvers')",
    );
    await waitFor(async () => {
      await pdp.engine.settled();
      const user = pdp.engine.inputs();
      return !("decision" in user) && user.snapshot.version > 0 && (await isApprover("dave"));
    });
    const { status, json } = await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("dave"));
    expect(status).toBe(403);
    expect(json.error?.message).toMatch(/separation of duties/);
    await pdp.database.query(
      "DELETE FROM memberships WHERE member_type = 'User' AND member_id = 'dave' AND parent_id = 'payments-approvers'",
    );
    await waitFor(async () => {
      await pdp.engine.settled();
      return !(await isApprover("dave"));
    });
  });

  it("lets a rejection stand: the approval cannot be used, asking again opens a fresh one", async () => {
    const noReason = await client.call("POST", `/v1/approvals/${id}/reject`, {}, as("erin"));
    expect(noReason.status).toBe(400);
    const rejected = await client.call("POST", `/v1/approvals/${id}/reject`, { reason: "unknown payee" }, as("erin"));
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ status: "rejected", reason: "unknown payee" });
    const late = await client.call("POST", `/v1/approvals/${id}/approve`, {}, as("erin"));
    expect(late.status).toBe(409);
    const { json } = await client.authorize({ ...payment("p-who-may", 60_000), approval: id });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.message).toContain("rejected");
  });

  it("needs the approvals scope", async () => {
    const { status } = await client.call("GET", "/v1/approvals", undefined, {
      authorization: `Bearer ${(await createApiKey(pdp.database, { kind: "gateway", name: "a", scopes: ["authorize"] })).key}`,
    });
    expect([401, 403]).toContain(status);
  });
});

async function isApprover(user: string): Promise<boolean> {
  const inputs = pdp.engine.inputs();
  if ("decision" in inputs) return false;
  const entity = inputs.snapshot.get("User", user);
  return entity
    ? inputs.snapshot.closure(entity).some((e) => (e.uid as { id: string }).id === "payments-approvers")
    : false;
}

describe("approvals expire", () => {
  it("cannot be approved or used after its time", async () => {
    const short = await startTestPdp({ trust: { approvalTtlSeconds: 1 } });
    try {
      const c = pdpClient(short);
      const erin = (
        await createApiKey(short.database, { kind: "user", name: "erin", userId: "erin", scopes: ["approvals"] })
      ).key;
      await waitFor(() => short.engine.keys.verify(erin) !== undefined);
      const first = await c.authorize(payment("p-exp", 70_000));
      const id = (first.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;
      const ok = await c.call("POST", `/v1/approvals/${id}/approve`, {}, { authorization: `Bearer ${erin}` });
      expect(ok.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_200));
      const late = await c.authorize({ ...payment("p-exp", 70_000), approval: id });
      expect(late.json.decision).toBe("deny");
      expect(late.json.reasons?.[0]?.message).toContain("expired");
      const listed = await c.call("GET", `/v1/approvals/${id}`);
      expect(listed.json.status).toBe("expired");
      // a fresh approval is opened for the same request
      const fresh = (late.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId;
      expect(fresh).not.toBe(id);
    } finally {
      await short.close();
    }
  });
});

describe("the initiator of the business object cannot approve", () => {
  it("refuses dave approving a payment approval step for a payment he initiated, even as an approver", async () => {
    const policyDir = await policyDirWith({
      "bank/release-approval.cedar": `@id("test.release-approval")
@reason("approval_required")
@approval("payments-approvers")
forbid (principal, action == Action::"payment:approve", resource is Payment);
`,
    });
    const other = await startTestPdp({ policyDir });
    try {
      const c = pdpClient(other);
      const key = async (user: string) =>
        (await createApiKey(other.database, { kind: "user", name: user, userId: user, scopes: ["approvals"] })).key;
      const daveKey = await key("dave");
      const carolKey = await key("carol");
      await waitFor(() => other.engine.keys.verify(carolKey) !== undefined);
      const paymentP = { type: "Payment", id: "p-rel", attributes: { amount: 800, currency: "EUR", payee: "Acme" } };
      const initiated = await c.authorize({
        principal: { type: "User", id: "dave" },
        action: "payment:initiate",
        resource: paymentP,
      });
      expect(initiated.json.decision).toBe("allow");

      const release = await c.authorize({
        principal: { type: "User", id: "erin" },
        action: "payment:approve",
        resource: paymentP,
      });
      expect(release.json.reasons?.[0], JSON.stringify(release.json)).toMatchObject({
        code: "approval_required",
        policy: "test.release-approval",
      });
      expect(release.json.obligations, JSON.stringify(release.json)).toHaveLength(1);
      const id = (release.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;

      // dave now holds the approver group too: only the initiator rule stands in his way.
      await other.database.query(
        "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('User', 'dave', 'Group', 'payments-approvers')",
      );
      await waitFor(async () => {
        await other.engine.settled();
        const inputs = other.engine.inputs();
        if ("decision" in inputs) return false;
        const dave = inputs.snapshot.get("User", "dave");
        return (
          !!dave && inputs.snapshot.closure(dave).some((e) => (e.uid as { id: string }).id === "payments-approvers")
        );
      });
      const byInitiator = await c.call(
        "POST",
        `/v1/approvals/${id}/approve`,
        {},
        { authorization: `Bearer ${daveKey}` },
      );
      expect(byInitiator.status).toBe(403);
      expect(byInitiator.json.error?.message).toMatch(/initiator/);
      const byOutsider = await c.call(
        "POST",
        `/v1/approvals/${id}/approve`,
        {},
        { authorization: `Bearer ${carolKey}` },
      );
      expect(byOutsider.status).toBe(403);
    } finally {
      await other.close();
    }
  });
});
