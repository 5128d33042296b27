import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { initiatePayment, researchAssistantForAlice, stories, userActs } from "../support/requests.js";
import { waitFor } from "../support/store.js";
import { signIn, startTestAdmin, type TestAdmin } from "./support.js";

let admin: TestAdmin;
let pdp: ReturnType<typeof pdpClient>;
type Client = Awaited<ReturnType<typeof signIn>>;
let pat: Client;
let carol: Client;
let erin: Client;
let dave: Client;
let grace: Client;
let alice: Client;

beforeAll(async () => {
  admin = await startTestAdmin();
  pdp = pdpClient(admin.pdp);
  [pat, carol, erin, dave, grace, alice] = await Promise.all([
    signIn(admin.app, "pat"),
    signIn(admin.app, "carol"),
    signIn(admin.app, "erin"),
    signIn(admin.app, "dave"),
    signIn(admin.app, "grace"),
    signIn(admin.app, "alice"),
  ]);
});
afterAll(() => admin?.close());

describe("separation of duties", () => {
  it("refuses to give dave payments-approvers, naming the conflict", async () => {
    const res = await pat.post("/api/v1/memberships", {
      member: { type: "User", id: "dave" },
      parent: { type: "Group", id: "payments-approvers" },
    });
    expect(res.status).toBe(409);
    expect(res.json.error?.message).toMatch(
      /User::dave may not hold both Group::payments-approvers and Group::payments-initiators/,
    );
    const rows = await admin.pdp.database.query(
      "SELECT 1 FROM memberships WHERE member_id = 'dave' AND parent_id = 'payments-approvers'",
    );
    expect(rows).toEqual([]);
  });

  it("refuses through a group too: a group holding one side cannot join the other", async () => {
    const res = await pat.post("/api/v1/memberships", {
      member: { type: "Group", id: "payments-initiators" },
      parent: { type: "Group", id: "payments-approvers" },
    });
    expect(res.status).toBe(409);
  });

  it("lets compliance declare a conflict, not an auditor, and lists it", async () => {
    expect((await pat.post("/api/v1/groups", { id: "traders" })).status).toBe(201);
    expect((await pat.post("/api/v1/groups", { id: "risk-control" })).status).toBe(201);
    const body = { a: "traders", b: "risk-control", description: "front office may not control its own risk" };
    expect((await grace.post("/api/v1/sod-conflicts", body)).status).toBe(403);
    expect((await carol.post("/api/v1/sod-conflicts", body)).status).toBe(201);
    expect((await carol.post("/api/v1/sod-conflicts", { a: "traders", b: "no-such-group" })).status).toBe(404);
    const listed = (await grace.get("/api/v1/sod-conflicts")).json.conflicts as Array<{ a: string; b: string }>;
    expect(listed).toContainEqual(expect.objectContaining({ a: "risk-control", b: "traders" }));
  });
});

describe("wall crossings", () => {
  it("carol brings alice over the wall for ACME; the PDP allows, then denies once revoked", async () => {
    const read = userActs("alice", "dataset:read", { type: "Dataset", id: "deal-db" });
    expect((await pdp.authorize(read)).json.decision).toBe("deny");
    const overTheWall = (user: string, reason = "x", ttlSeconds = 60) => ({ user, issuer: "ACME", reason, ttlSeconds });
    expect((await alice.post("/api/v1/wall-crossings", overTheWall("bob"))).status).toBe(403);
    const self = await carol.post("/api/v1/wall-crossings", overTheWall("carol"));
    expect(self.status).toBe(403);
    const granted = await carol.post("/api/v1/wall-crossings", overTheWall("alice", "sector note review", 600));
    expect(granted.status).toBe(201);
    await waitFor(async () => (await pdp.authorize(read)).json.decision === "allow");
    expect((await carol.del(`/api/v1/wall-crossings/${granted.json.id}`)).status).toBe(200);
    await waitFor(async () => (await pdp.authorize(read)).json.decision === "deny");
    expect((await carol.del(`/api/v1/wall-crossings/${granted.json.id}`)).status).toBe(409);
    const changes = await admin.pdp.database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM audit_log WHERE kind = 'change' AND ref = $1",
      [`WallCrossing::${granted.json.id}`],
    );
    expect(Number(changes[0]?.n)).toBe(2);
  });
});

describe("approvals", () => {
  it("erin approves; dave (no approver role) and a reasonless rejection are refused", async () => {
    const payment = { ...initiatePayment("p-api-1", 20_000), context: { amount: 20_000, currency: "EUR" } };
    const first = await pdp.authorize(payment);
    const id = (first.json.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;
    const queue = (await erin.get("/api/v1/approvals?status=pending")).json.approvals as Array<{ id: string }>;
    expect(queue.map((a) => a.id)).toContain(id);
    expect((await dave.post(`/api/v1/approvals/${id}/decision`, { vote: "approve" })).status).toBe(403);
    const noReason = await erin.post(`/api/v1/approvals/${id}/decision`, { vote: "reject" });
    expect(noReason.status).toBe(400);
    const ok = await erin.post(`/api/v1/approvals/${id}/decision`, { vote: "approve", reason: "matches PO" });
    expect(ok.status).toBe(200);
    expect(ok.json.status).toBe("approved");
    expect((await pdp.authorize({ ...payment, approval: id })).json.decision).toBe("allow");
  });
});

describe("runs", () => {
  it("pausing a run denies its next decision; an auditor cannot pause", async () => {
    const started = await pdp.call("POST", "/v1/runs", {
      ...researchAssistantForAlice,
    });
    const runId = started.json.id as string;
    const request = { ...stories.readResearch, run: runId };
    expect((await pdp.authorize(request)).json.decision).toBe("allow");
    expect((await grace.post(`/api/v1/runs/${runId}/supervise`, { action: "pause" })).status).toBe(403);
    const paused = await pat.post(`/api/v1/runs/${runId}/supervise`, { action: "pause", reason: "review" });
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe("paused");
    const denied = await pdp.authorize(request);
    expect(denied.json.reasons?.[0]?.code).toBe("run_inactive");
    expect((await pat.post(`/api/v1/runs/${runId}/supervise`, { action: "pause" })).status).toBe(409);
    const listed = (await grace.get("/api/v1/runs?status=paused")).json.runs as Array<{ id: string }>;
    expect(listed.map((r) => r.id)).toContain(runId);
    const timeline = await grace.get(`/api/v1/runs/${runId}`);
    expect(timeline.status).toBe(200);
    expect(((timeline.json.lineage as { events: unknown[] }).events ?? []).length).toBeGreaterThanOrEqual(3);
    expect((await grace.get("/api/v1/runs/run_nope")).status).toBe(404);
  });
});

describe("audit and policies", () => {
  it("auditors search the audit log; people without the role cannot", async () => {
    const res = await grace.get("/api/v1/audit?kind=change&principal=User::pat");
    expect(res.status).toBe(200);
    const entries = res.json.entries as Array<{ record: { actor: string } }>;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.record.actor === "User::pat")).toBe(true);
    expect((await alice.get("/api/v1/audit")).status).toBe(403);
    expect((await erin.get("/api/v1/audit")).status).toBe(403);
  });

  it("shows the policy version this process evaluates", async () => {
    const res = await grace.get("/api/v1/policies");
    expect(res.status).toBe(200);
    expect(res.json.loadedVersion).toBe(admin.pdp.engine.policyVersion);
  });
});
