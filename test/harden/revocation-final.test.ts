// A revocation is final when it returns: once POST /v1/revocations (or a run's pause or cancel)
// has answered, no PDP allows its target: not the next request on another PDP whose copy of the
// revocations has not caught up, not a decision already in flight when it was made.
import type { Database } from "@pea/migrations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { chainPositions, secondPdp } from "./support.js";

const TRIALS = 20;
const agentRequest = (id: string) => ({ ...stories.readResearch, principal: { type: "Agent", id } });

/** Agents owned by alice holding the research task, one per trial (a revocation is permanent). */
async function addAgents(database: Database, ids: string[]): Promise<void> {
  await database.transaction(async (tx) => {
    for (const id of ids) {
      await tx.query("INSERT INTO agents (id, owner_id) VALUES ($1, 'alice')", [id]);
      await tx.query("INSERT INTO agent_intents (agent_id, intent_id) VALUES ($1, 'market-research-report')", [id]);
      await tx.query(
        "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('Agent', $1, 'Segment', 'research')",
        [id],
      );
    }
  });
}

/** Until every PDP given allows each request (their entitlement snapshots have caught up). */
async function allowedEverywhere(clients: Array<ReturnType<typeof pdpClient>>, requests: unknown[]) {
  for (const request of requests) {
    for (const client of clients) {
      for (let tries = 0; ; tries++) {
        if ((await client.authorize(request)).json.decision === "allow") break;
        if (tries > 200) throw new Error(`never allowed: ${JSON.stringify(request)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

describe(`revocation is final when it returns (${storeKind})`, () => {
  let pdp: TestPdp;
  let other: TestPdp;
  let a: ReturnType<typeof pdpClient>;
  let b: ReturnType<typeof pdpClient>;
  beforeAll(async () => {
    pdp = await startTestPdp();
    other = await secondPdp(pdp);
    a = pdpClient(pdp);
    b = pdpClient(other);
  });
  afterAll(async () => {
    await other?.close();
    await pdp?.close();
  });

  it(`two PDPs: revoke an agent, a grant or a task on one, the next request on the other is denied (${TRIALS} trials)`, {
    timeout: 180_000,
  }, async () => {
    const agents = Array.from({ length: TRIALS }, (_, i) => `final-${i}`);
    await addAgents(pdp.database, agents);
    await allowedEverywhere([a, b], agents.map(agentRequest));
    let allowsAfterReturn = 0;
    for (const [i, agent] of agents.entries()) {
      // Each trial's own target: the agent itself, or its grant of the task.
      const target = i % 2 ? { type: "Grant", id: `${agent}/market-research-report` } : { type: "Agent", id: agent };
      const revoked = await a.call("POST", "/v1/revocations", { target, reason: "test" });
      expect(revoked.status).toBe(201);
      const next = await b.authorize(agentRequest(agent));
      if (next.json.decision === "allow") allowsAfterReturn++;
      else expect(next.json.reasons?.[0]?.code).toBe("principal_revoked");
    }
    console.log(`two PDPs: ${allowsAfterReturn} of ${TRIALS} next requests allowed after the revocation returned`);
    expect(allowsAfterReturn).toBe(0);
  });

  it(`two PDPs: pause or cancel a run on one, the next request on the other is denied (${TRIALS} trials)`, {
    timeout: 180_000,
  }, async () => {
    let allowsAfterReturn = 0;
    for (let i = 0; i < TRIALS; i++) {
      const { principal, chain, intent } = stories.readResearch;
      const run = (await a.call("POST", "/v1/runs", { principal, chain, intent })).json.id as string;
      expect((await b.authorize({ ...stories.readResearch, run })).json.decision).toBe("allow");
      expect((await a.call("POST", `/v1/runs/${run}/${i % 2 ? "cancel" : "pause"}`, {})).status).toBe(200);
      if ((await b.authorize({ ...stories.readResearch, run })).json.decision === "allow") allowsAfterReturn++;
    }
    expect(allowsAfterReturn).toBe(0);
  });

  it("decisions in flight on both PDPs when the revocation is made: none is allowed after it in the chain", {
    timeout: 180_000,
  }, async () => {
    const agents = Array.from({ length: 10 }, (_, i) => `inflight-${i}`);
    await addAgents(pdp.database, agents);
    await allowedEverywhere([a, b], agents.map(agentRequest));
    let breaches = 0;
    let sentAfterReturnAllowed = 0;
    for (const agent of agents) {
      let revokedAt = Number.POSITIVE_INFINITY;
      let stop = false;
      const answers: Array<{ id: string; decision: string; sentAfter: boolean }> = [];
      // 20 clients, half on each PDP, asking for the agent until the revocation has returned.
      const clients = Array.from({ length: 20 }, async (_, c) => {
        const via = c % 2 ? b : a;
        while (!stop) {
          const sent = performance.now();
          const { json } = await via.authorize(agentRequest(agent));
          answers.push({ id: String(json.decisionId), decision: String(json.decision), sentAfter: sent > revokedAt });
        }
      });
      await new Promise((r) => setTimeout(r, 30));
      const revoked = await a.call("POST", "/v1/revocations", { target: { type: "Agent", id: agent }, reason: "test" });
      expect(revoked.status).toBe(201);
      revokedAt = performance.now();
      await new Promise((r) => setTimeout(r, 30));
      stop = true;
      await Promise.all(clients);
      const [change] = await pdp.database.query<{ seq: unknown }>(
        "SELECT seq FROM audit_log WHERE record->>'action' = 'revocation.create' AND record->>'target' = $1",
        [`Agent::${agent}`],
      );
      const allowed = answers.filter((x) => x.decision === "allow");
      const positions = await chainPositions(
        pdp,
        allowed.map((x) => x.id),
      );
      breaches += allowed.filter((x) => (positions.get(x.id) ?? 0) > Number(change?.seq)).length;
      sentAfterReturnAllowed += allowed.filter((x) => x.sentAfter).length;
    }
    console.log(
      `in flight: ${breaches} allows recorded after the revocation, ${sentAfterReturnAllowed} allows of requests sent after it returned`,
    );
    expect(breaches).toBe(0);
    expect(sentAfterReturnAllowed).toBe(0);
  });
});
