import { createApiKey } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { dealAssistantForBob, readDeals, stories, userActs } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
let clock = new Date("2026-01-05T09:00:00Z");
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};
let carolKey: string;
let daveKey: string;

beforeAll(async () => {
  pdp = await startTestPdp({ now: () => clock, historyWindowSeconds: 3600 });
  client = pdpClient(pdp);
  carolKey = (await createApiKey(pdp.database, { kind: "user", name: "carol", userId: "carol", scopes: ["authorize"] }))
    .key;
  daveKey = (await createApiKey(pdp.database, { kind: "user", name: "dave", userId: "dave", scopes: ["authorize"] }))
    .key;
  await pdp.engine.keys.reload();
});
afterAll(async () => pdp.close());

const emailTo = (to: string) => ({
  ...dealAssistantForBob,
  action: "email:send",
  resource: { type: "EmailAddress", id: to },
});
const startRun = async () => (await client.call("POST", "/v1/runs", dealAssistantForBob)).json.id as string;

describe("Brewer-Nash: history-dependent barrier", () => {
  it("denies e-mail outside the firm once the run touched MNPI about ACME (the demo)", async () => {
    const run = await startRun();
    expect((await client.authorize({ ...emailTo("cfo@acme.example"), run })).json.decision).toBe("allow");
    const read = await client.authorize({ ...readDeals, run });
    expect(read.json.decision).toBe("allow");
    const after = await client.authorize({ ...emailTo("cfo@acme.example"), run });
    expect(after.json.decision).toBe("deny");
    expect(after.json.reasons?.[0]).toMatchObject({ code: "barrier", policy: "bank.mnpi-no-external-email" });
    // Inside the firm is still fine; PEA decides what is inside, not the caller.
    expect((await client.authorize({ ...emailTo("erin@meridian.example"), run })).json.decision).toBe("allow");
    const spoofed = await client.authorize({
      ...emailTo("cfo@acme.example"),
      run,
      resource: { type: "EmailAddress", id: "cfo@acme.example", attributes: { external: false } },
      context: { history: {} },
    });
    expect(spoofed.json.decision).toBe("deny");
  });

  it("carries the taint across runs to the agent and to the human", async () => {
    // A new run of the same agent for bob: agent and human scopes still remember.
    const run = await startRun();
    const { json } = await client.authorize({ ...emailTo("cfo@acme.example"), run });
    expect(json.reasons?.[0]?.code).toBe("barrier");
    // bob himself, no agent, no run: human scope.
    const bob = await client.authorize(
      userActs("bob", "email:send", { type: "EmailAddress", id: "friend@gmail.example" }),
    );
    expect(bob.json.reasons?.[0]?.code).toBe("barrier");
    // Nothing was touched on alice's behalf.
    const alice = await client.authorize(
      userActs("alice", "email:send", { type: "EmailAddress", id: "friend@gmail.example" }),
    );
    expect(alice.json.decision).toBe("allow");
  });

  it("forgets touches older than the look-back window", async () => {
    advance(3601);
    const run = await startRun();
    expect((await client.authorize({ ...emailTo("cfo@acme.example"), run })).json.decision).toBe("allow");
  });

  it("un-touches an allowed read the caller reports as not executed, once", async () => {
    advance(3601);
    const run = await startRun();
    const read = await client.authorize({ ...readDeals, run });
    const id = read.json.decisionId as string;
    expect((await client.authorize({ ...emailTo("x@acme.example"), run })).json.decision).toBe("deny");
    const other = await client.call(
      "POST",
      `/v1/decisions/${id}/outcome`,
      { status: "aborted" },
      {
        authorization: `Bearer ${daveKey}`,
      },
    );
    expect(other.status).toBe(403);
    const reported = await client.call("POST", `/v1/decisions/${id}/outcome`, {
      status: "aborted",
      detail: "cancelled",
    });
    expect(reported.status).toBe(201);
    expect((await client.authorize({ ...emailTo("x@acme.example"), run })).json.decision).toBe("allow");
    const again = await client.call("POST", `/v1/decisions/${id}/outcome`, { status: "executed" });
    expect(again.status).toBe(409);
    expect((await client.call("POST", "/v1/decisions/dec_nope/outcome", { status: "executed" })).status).toBe(404);
    expect((await client.call("POST", `/v1/decisions/${id}/outcome`, { status: "maybe" })).status).toBe(400);
  });

  it("takes one of two outcome reports racing for one decision, and logs only that one", async () => {
    advance(3601);
    const run = await startRun();
    const id = (await client.authorize({ ...readDeals, run })).json.decisionId as string;
    const [first, second] = await Promise.all([
      client.call("POST", `/v1/decisions/${id}/outcome`, { status: "aborted" }),
      client.call("POST", `/v1/decisions/${id}/outcome`, { status: "executed" }),
    ]);
    expect([first?.status, second?.status].sort()).toEqual([201, 409]);
    const kept = first?.status === 201 ? "aborted" : "executed";
    const [stored] = await pdp.database.query<{ status: string }>(
      "SELECT status FROM decision_outcomes WHERE decision_id = $1",
      [id],
    );
    expect(stored?.status).toBe(kept);
    const logged = await pdp.database.query<{ status: string }>(
      "SELECT record #>> '{detail,status}' AS status FROM audit_log WHERE ref = $1 AND kind = 'change'",
      [`Decision::${id}`],
    );
    expect(logged.map((r) => r.status)).toEqual([kept]);
    const barred = (await client.authorize({ ...emailTo("x@acme.example"), run })).json.decision === "deny";
    expect(barred).toBe(kept === "executed");
  });

  it("finds an allow that touched nothing by its audit record, for its own key only, once", async () => {
    const sent = await client.authorize({ ...emailTo("erin@meridian.example"), run: await startRun() });
    expect(sent.json.decision).toBe("allow");
    const id = sent.json.decisionId as string;
    expect(await pdp.database.query("SELECT 1 FROM touches WHERE decision_id = $1", [id])).toHaveLength(0);
    const path = `/v1/decisions/${id}/outcome`;
    const other = await client.call("POST", path, { status: "executed" }, { authorization: `Bearer ${daveKey}` });
    expect(other.status).toBe(403);
    expect((await client.call("POST", path, { status: "executed" })).status).toBe(201);
    expect((await client.call("POST", path, { status: "failed" })).status).toBe(409);
  });

  it("keeps an executed read in history", async () => {
    advance(3601);
    const run = await startRun();
    const read = await client.authorize({ ...readDeals, run });
    await client.call("POST", `/v1/decisions/${read.json.decisionId}/outcome`, { status: "executed" });
    expect((await client.authorize({ ...emailTo("x@acme.example"), run })).json.reasons?.[0]?.code).toBe("barrier");
  });

  it("denies writing to the research side after touching MNPI", async () => {
    const bobWrites = await client.authorize(
      userActs("bob", "document:write", { type: "Document", id: "research-drafts" }),
    );
    expect(bobWrites.json.decision).toBe("deny");
    expect(bobWrites.json.reasons?.map((r) => r.policy)).toContain("bank.mnpi-no-write-to-research");
  });

  it("fails closed when history cannot be read", async () => {
    await pdp.database.exec("ALTER TABLE touches RENAME TO touches_gone");
    try {
      const { json } = await client.authorize({ ...emailTo("x@acme.example") });
      expect(json.decision).toBe("deny");
      expect(json.reasons?.[0]?.code).toBe("store_unavailable");
    } finally {
      await pdp.database.exec("ALTER TABLE touches_gone RENAME TO touches");
    }
  });
});

describe("wall crossings", () => {
  const asCarol = { authorization: "" };
  beforeAll(() => {
    asCarol.authorization = `Bearer ${carolKey}`;
  });

  it("lets compliance bring alice over the wall for ACME, until it expires", async () => {
    expect((await client.authorize(stories.readDealDb)).json.reasons?.[0]?.code).toBe("barrier");
    const body = { user: "alice", issuer: "ACME", reason: "advise on ACME fairness opinion", ttlSeconds: 600 };
    const denied = await client.call("POST", "/v1/wall-crossings", body, { authorization: `Bearer ${daveKey}` });
    expect(denied.status).toBe(403);
    const admin = await client.call("POST", "/v1/wall-crossings", body);
    expect(admin.status).toBe(403);
    const granted = await client.call("POST", "/v1/wall-crossings", body, asCarol);
    expect(granted.status).toBe(201);
    expect(granted.json).toMatchObject({ user: "alice", issuer: "ACME", grantedBy: "carol", active: true });

    expect((await client.authorize(stories.readDealDb)).json.decision).toBe("allow");
    const listed = await client.call("GET", "/v1/wall-crossings?user=alice");
    expect((listed.json.crossings as unknown[]).length).toBe(1);

    advance(601);
    expect((await client.authorize(stories.readDealDb)).json.reasons?.[0]?.code).toBe("barrier");
  });

  it("ends a crossing when compliance revokes it", async () => {
    const granted = await client.grantCrossing(
      { user: "alice", issuer: "ACME", reason: "second look", ttlSeconds: 600 },
      asCarol,
    );
    expect((await client.authorize(stories.readDealDb)).json.decision).toBe("allow");
    const revoked = await client.call("POST", `/v1/wall-crossings/${granted.json.id}/revoke`, {}, asCarol);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ active: false, revokedBy: "carol" });
    expect((await client.authorize(stories.readDealDb)).json.reasons?.[0]?.code).toBe("barrier");
    const twice = await client.call("POST", `/v1/wall-crossings/${granted.json.id}/revoke`, {}, asCarol);
    expect(twice.status).toBe(409);
  });

  it("refuses a crossing for oneself or for another issuer's data", async () => {
    const self = await client.grantCrossing(
      { user: "carol", issuer: "ACME", reason: "curious", ttlSeconds: 60 },
      asCarol,
    );
    expect(self.status).toBe(403);
    await client.grantCrossing({ user: "alice", issuer: "GLOBEX", reason: "other deal", ttlSeconds: 600 }, asCarol);
    expect((await client.authorize(stories.readDealDb)).json.reasons?.[0]?.code).toBe("barrier");
  });
});
