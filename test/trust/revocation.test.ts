// Revocation and run supervision: the kill switch, in this process at once and for every artifact.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PdpClient, startPdpWithClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import type { TestPdp } from "../support/store.js";

let pdp: TestPdp;
let client: PdpClient;

beforeAll(async () => {
  ({ pdp, client } = await startPdpWithClient());
});
afterAll(async () => pdp.close());

const revoke = (type: string, id: string, reason = "test") =>
  client.call("POST", "/v1/revocations", { target: { type, id }, reason });
const redeem = (artifact: string) => client.call("POST", "/v1/artifacts/redeem", { artifact });

/** A fresh agent owned by alice holding the research task, so each test revokes its own. */
async function freshAgent(id: string): Promise<Record<string, unknown>> {
  await pdp.database.transaction(async (tx) => {
    await tx.query("INSERT INTO agents (id, owner_id, description) VALUES ($1, 'alice', 'test agent')", [id]);
    await tx.query("INSERT INTO agent_intents (agent_id, intent_id) VALUES ($1, 'market-research-report')", [id]);
    await tx.query(
      "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('Agent', $1, 'Segment', 'research')",
      [id],
    );
  });
  const request = { ...stories.readResearch, principal: { type: "Agent", id } };
  for (let i = 0; i < 100; i++) {
    await pdp.engine.settled();
    if ((await client.authorize(request)).json.decision === "allow") return request;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`agent ${id} never became usable`);
}

const startRun = async (request: Record<string, unknown>) => {
  const { principal, chain, intent } = request as { principal: unknown; chain: unknown; intent: unknown };
  const { status, json } = await client.call("POST", "/v1/runs", { principal, chain, intent });
  expect(status).toBe(201);
  return json.id as string;
};

describe("revoking an agent", () => {
  it("denies its next decision and kills its unredeemed artifacts, redeemed ones stay spent", async () => {
    const request = await freshAgent("rev-agent-1");
    const spent = (await client.authorize(request)).json.artifact as string;
    expect((await redeem(spent)).status).toBe(200);
    const unspent = (await client.authorize(request)).json.artifact as string;

    const { status, json } = await revoke("Agent", "rev-agent-1", "compromised credentials");
    expect(status).toBe(201);
    expect(json).toMatchObject({ target: { type: "Agent", id: "rev-agent-1" }, reason: "compromised credentials" });
    expect(json.id).toMatch(/^rev_/);

    const after = await client.authorize(request);
    expect(after.json.decision).toBe("deny");
    expect(after.json.reasons?.[0]).toMatchObject({ code: "principal_revoked", link: "Agent::rev-agent-1" });
    expect((await redeem(unspent)).status).toBe(410);
    expect((await redeem(spent)).status).toBe(409);
  });

  it("also stops it as a link further down a chain", async () => {
    await freshAgent("rev-agent-2");
    await pdp.database.query(
      "INSERT INTO agent_delegations (agent_id, delegator_agent_id) VALUES ('web-fetcher', 'rev-agent-2')",
    );
    const viaChain = {
      ...stories.subAgentReadsMarketData,
      chain: [
        { type: "User", id: "alice" },
        { type: "Agent", id: "rev-agent-2" },
      ],
    };
    for (let i = 0; i < 100 && (await client.authorize(viaChain)).json.decision !== "allow"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await client.authorize(viaChain)).json.decision).toBe("allow");
    await revoke("Agent", "rev-agent-2");
    const { json } = await client.authorize(viaChain);
    expect(json.reasons?.[0]).toMatchObject({ code: "principal_revoked", link: "Agent::rev-agent-2" });
  });

  it("is recorded in the audit log with who did it", async () => {
    await freshAgent("rev-agent-audit");
    await revoke("Agent", "rev-agent-audit", "audit trail");
    const rows = await pdp.database.query<{ record: { actor: string; action: string; detail: { reason: string } } }>(
      "SELECT record FROM audit_log WHERE kind = 'change' AND ref = 'Agent::rev-agent-audit'",
    );
    expect(rows[0]?.record).toMatchObject({ action: "revocation.create", detail: { reason: "audit trail" } });
    expect(rows[0]?.record.actor).toMatch(/^key:/);
    const listed = await client.call("GET", "/v1/revocations");
    expect(JSON.stringify(listed.json)).toContain("rev-agent-audit");
  });
});

describe("revoking grants, intents, runs and artifacts", () => {
  it("a grant: the agent loses that task only", async () => {
    const request = await freshAgent("rev-agent-3");
    const token = (await client.authorize(request)).json.artifact as string;
    await revoke("Grant", "rev-agent-3/market-research-report");
    const { json } = await client.authorize(request);
    expect(json.reasons?.[0]).toMatchObject({ code: "principal_revoked", link: "Agent::rev-agent-3" });
    expect(json.reasons?.[0]?.message).toContain("grant");
    expect((await redeem(token)).status).toBe(410);
  });

  it("a run: run_inactive, the run is cancelled, its artifacts die", async () => {
    const request = await freshAgent("rev-agent-4");
    const run = await startRun(request);
    const token = (await client.authorize({ ...request, run })).json.artifact as string;
    expect(decodeJwt(token).run).toBe(run);
    await revoke("Run", run, "runaway loop");
    const { json } = await client.authorize({ ...request, run });
    expect(json.reasons?.[0]?.code).toBe("run_inactive");
    expect((await redeem(token)).status).toBe(410);
    expect((await client.call("GET", `/v1/runs/${run}`)).json.status).toBe("cancelled");
    // the agent outside that run is unaffected
    expect((await client.authorize(request)).json.decision).toBe("allow");
  });

  it("an artifact: only that one", async () => {
    const request = await freshAgent("rev-agent-5");
    const first = (await client.authorize(request)).json.artifact as string;
    const second = (await client.authorize(request)).json.artifact as string;
    await revoke("Artifact", decodeJwt(first).jti as string);
    expect((await redeem(first)).status).toBe(410);
    expect((await redeem(second)).status).toBe(200);
    expect((await client.authorize(request)).json.decision).toBe("allow");
  });

  it("an intent: nobody acts under that task", async () => {
    const request = await freshAgent("rev-agent-6");
    await pdp.database.query("INSERT INTO intents (id) VALUES ('doomed-task')");
    await pdp.database.query(
      "INSERT INTO intent_capabilities (intent_id, action, resource_type) VALUES ('doomed-task', 'dataset:read', 'Dataset')",
    );
    await pdp.database.query("INSERT INTO agent_intents (agent_id, intent_id) VALUES ('rev-agent-6', 'doomed-task')");
    const doomed = { ...request, intent: "doomed-task" };
    for (let i = 0; i < 100 && (await client.authorize(doomed)).json.decision !== "allow"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await revoke("Intent", "doomed-task");
    const { json } = await client.authorize(doomed);
    expect(json.reasons?.[0]).toMatchObject({ code: "intent_scope" });
    expect((await client.authorize(request)).json.decision).toBe("allow");
  });

  it("refuses an unknown target type and a missing reason", async () => {
    expect(
      (await client.call("POST", "/v1/revocations", { target: { type: "Planet", id: "x" }, reason: "r" })).status,
    ).toBe(400);
    expect((await client.call("POST", "/v1/revocations", { target: { type: "Agent", id: "x" } })).status).toBe(400);
  });
});

describe("a revocation racing in-flight requests", () => {
  it("denies everything asked after it returns, and no artifact issued before it can be redeemed", async () => {
    const request = await freshAgent("rev-race");
    const inflight: Array<Promise<{ sentAt: number; json: Record<string, unknown> }>> = [];
    let revokedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const storm = (async () => {
      while (!stop) {
        const sentAt = performance.now();
        inflight.push(client.authorize(request).then((r) => ({ sentAt, json: r.json })));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    const revocation = revoke("Agent", "rev-race", "race");
    expect((await revocation).status).toBe(201);
    revokedAt = performance.now();
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await storm;
    const answers = await Promise.all(inflight);

    const before = answers.filter((a) => a.sentAt < revokedAt);
    const after = answers.filter((a) => a.sentAt >= revokedAt);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((a) => a.json.decision === "deny")).toBe(true);
    const allowed = answers.filter((a) => a.json.decision === "allow");
    expect(allowed.length).toBeGreaterThan(0);
    for (const a of allowed) {
      const { status } = await redeem(a.json.artifact as string);
      expect(status).toBe(410);
    }
  });
});

describe("run supervision", () => {
  it("pause denies run_inactive and kills redemption; resume restores; cancel is final", async () => {
    const request = await freshAgent("sup-agent");
    const run = await startRun(request);
    const inRun = { ...request, run };
    const token = (await client.authorize(inRun)).json.artifact as string;

    const paused = await client.call("POST", `/v1/runs/${run}/pause`, { reason: "looks odd" });
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe("paused");
    expect((await client.authorize(inRun)).json.reasons?.[0]?.code).toBe("run_inactive");
    expect((await redeem(token)).status).toBe(410);
    expect((await client.call("POST", `/v1/runs/${run}/pause`, {})).status).toBe(409);

    const resumed = await client.call("POST", `/v1/runs/${run}/resume`, {});
    expect(resumed.json.status).toBe("active");
    expect((await client.authorize(inRun)).json.decision).toBe("allow");

    expect((await client.call("POST", `/v1/runs/${run}/cancel`, { reason: "done with it" })).json.status).toBe(
      "cancelled",
    );
    expect((await client.authorize(inRun)).json.reasons?.[0]?.code).toBe("run_inactive");
    expect((await client.call("POST", `/v1/runs/${run}/resume`, {})).status).toBe(409);
    expect((await client.call("POST", "/v1/runs/run_nope/pause", {})).status).toBe(404);

    const changes = await pdp.database.query<{ record: { action: string } }>(
      "SELECT record FROM audit_log WHERE kind = 'change' AND ref = $1 ORDER BY seq",
      [`Run::${run}`],
    );
    expect(changes.map((c) => c.record.action)).toEqual(
      expect.arrayContaining(["run.pause", "run.resume", "run.cancel"]),
    );
  });
});

describe("fail-closed", () => {
  it("denies while revocations are not loaded", async () => {
    const trust = pdp.engine.trust as unknown as { loaded: boolean };
    trust.loaded = false;
    try {
      const { json } = await client.authorize(stories.readResearch);
      expect(json.decision).toBe("deny");
      expect(json.reasons?.[0]?.code).toBe("store_unavailable");
    } finally {
      trust.loaded = true;
    }
  });

  it("denies an allow it cannot sign", async () => {
    const trust = pdp.engine.trust as unknown as { ring: { active: unknown } };
    const ring = trust.ring;
    trust.ring = { ...ring, active: undefined } as never;
    try {
      const { json } = await client.authorize(stories.readResearch);
      expect(json.decision).toBe("deny");
      expect(json.artifact).toBeUndefined();
      expect(json.reasons?.[0]?.code).toBe("store_unavailable");
    } finally {
      trust.ring = ring as never;
    }
  });
});
