import { ArtifactError, createPeaClient, PdpRefused, PeaDenied } from "@pea/client";
import { describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { pdpOutage } from "../support/pdp-outage.js";
import { initiatePayment, stories } from "../support/requests.js";
import { servedPdpForFile } from "./support.js";

const { pdp, url } = servedPdpForFile();
// A generous deadline against the real PDP: a loaded test machine must not turn answers into denies.
const clientAs = (holder: string) =>
  createPeaClient({ url: url(), apiKey: pdp().keys.get(holder) as string, timeoutMs: 15_000 });

const payment = (id: string, amount: number) => ({
  ...initiatePayment(id, amount, "Acme Supplies"),
  context: { amount, currency: "EUR" },
});

describe("the client against the real PDP", () => {
  it("authorize, authorizeBatch, isAllowed", async () => {
    const alice = clientAs("alice");
    const allowed = await alice.authorize(stories.readResearch);
    expect(allowed).toMatchObject({ decision: "allow", decisionId: expect.any(String), artifact: expect.any(String) });
    const denied = await alice.authorize(stories.readDealDb);
    expect(denied.decision).toBe("deny");
    expect(denied.reasons[0]?.code).toBe("barrier");
    const batch = await alice.authorizeBatch([stories.readResearch, stories.exportClientsViaAgent]);
    expect(batch.map((d) => d.decision)).toEqual(["allow", "deny"]);
    expect(batch[1]?.reasons[0]?.code).toBe("intent_scope");
    expect(await alice.isAllowed(stories.readResearch)).toBe(true);
    expect(await alice.isAllowed(stories.readDealDb)).toBe(false);
    // a key that may not speak for this chain: PEA's deny, read as a deny
    expect((await clientAs("bob").authorize(stories.readResearch)).reasons[0]?.code).toBe("unverified_principal");
    // a request PEA cannot take (a bad key: 401) is a deny too, never an allow
    const badKey = createPeaClient({ url: url(), apiKey: "pea_nope.nope", timeoutMs: 15_000 });
    expect(await badKey.authorize(stories.readResearch)).toMatchObject({
      decision: "deny",
      reasons: [{ code: "request_refused" }],
    });
  });

  it("runs: start (with a run token), read, a fresh token; outcomes reported once", async () => {
    const alice = clientAs("alice");
    const forAlice = {
      principal: { type: "Agent", id: "research-assistant" },
      chain: [{ type: "User", id: "alice" }],
      intent: "market-research-report",
    };
    const run = await alice.startRun(forAlice);
    expect(run).toMatchObject({ status: "active", token: expect.any(String) });
    expect((await alice.getRun(run.id)).id).toBe(run.id);
    expect((await alice.runToken(run.id)).token).toMatch(/^ey/);
    await expect(clientAs("bob").startRun(forAlice)).rejects.toBeInstanceOf(PdpRefused);

    const decision = await alice.authorize({ ...stories.readResearch, run: run.id });
    expect(decision.decision).toBe("allow");
    const reported = await alice.reportOutcome(decision.decisionId as string, "executed");
    expect(reported).toMatchObject({ decisionId: decision.decisionId, status: "executed" });
    await expect(alice.reportOutcome(decision.decisionId as string, "failed")).rejects.toMatchObject({ status: 409 });
  });

  it("approvals: waits for erin's decision, or gives up at the timeout", async () => {
    const dave = clientAs("dave");
    const first = await dave.authorize(payment("c-50k", 50_000));
    const approvalId = first.obligations[0]?.approvalId as string;
    expect(approvalId).toMatch(/^apr_/);
    const timedOut = await dave.waitForApproval(approvalId, { timeoutMs: 150, pollMs: 50 });
    expect(timedOut.status).toBe("pending");

    const waiting = dave.waitForApproval(approvalId, { timeoutMs: 5_000, pollMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    await pdpClient(pdp()).call(
      "POST",
      `/v1/approvals/${approvalId}/approve`,
      {},
      {
        authorization: `Bearer ${pdp().keys.get("erin")}`,
      },
    );
    expect((await waiting).status).toBe("approved");
    const paid = await dave.authorize({ ...payment("c-50k", 50_000), approval: approvalId });
    expect(paid.decision).toBe("allow");
  });

  it("artifacts: verified offline for exactly this request, redeemed once", async () => {
    const alice = clientAs("alice");
    const { artifact } = await alice.authorize(stories.readResearch);
    const claims = await alice.verifyArtifact(artifact as string, stories.readResearch);
    expect(claims.resource).toEqual({ type: "Dataset", id: "research-repo" });
    await expect(alice.verifyArtifact(artifact as string, stories.readDealDb)).rejects.toMatchObject({
      code: "digest_mismatch",
    });
    expect((await alice.redeemArtifact(artifact as string, stories.readResearch)).jti).toBe(claims.jti);
    const replay = alice.redeemArtifact(artifact as string, stories.readResearch);
    await expect(replay).rejects.toBeInstanceOf(ArtifactError);
    await expect(replay).rejects.toMatchObject({ code: "replayed" });
  });

  it("guard: runs only after an allow, with the artifact, and reports the outcome", async () => {
    const alice = clientAs("alice");
    const seen: string[] = [];
    const read = alice.guard(
      async ({ id }: { id: string }, allowed) => {
        seen.push(`${id}:${typeof allowed.artifact}`);
        if (id === "market-data") throw new Error("the dataset is offline");
        return `rows of ${id}`;
      },
      ({ id }) => ({ ...stories.readResearch, resource: { type: "Dataset", id } }),
    );
    expect(await read({ id: "research-repo" })).toBe("rows of research-repo");
    const barred = await read({ id: "deal-db" }).catch((e) => e);
    expect(barred).toBeInstanceOf(PeaDenied);
    expect((barred as PeaDenied).decision.reasons[0]?.code).toBe("barrier");
    await expect(read({ id: "market-data" })).rejects.toThrow("the dataset is offline");
    expect(seen).toEqual(["research-repo:string", "market-data:string"]);

    const outcomes = await pdp().database.query<{ status: string }>(
      "SELECT status FROM decision_outcomes ORDER BY reported_at DESC LIMIT 2",
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(["executed", "failed"]);
  });
});

describe("the client fails closed", () => {
  for (const answer of ["refuse", "hang", "fail"] as const) {
    it(`denies when the PDP ${answer === "refuse" ? "refuses connections" : answer === "hang" ? "times out" : "answers 500"}`, async () => {
      const down = await pdpOutage(answer);
      try {
        const client = createPeaClient({ url: down.url, apiKey: "pea_x.y", timeoutMs: 200 });
        const decision = await client.authorize(stories.readResearch);
        expect(decision).toMatchObject({ decision: "deny", reasons: [{ code: "pdp_unavailable" }] });
        expect(decision.artifact).toBeUndefined();
        expect(
          (await client.authorizeBatch([stories.readResearch, stories.readDealDb])).map((d) => d.decision),
        ).toEqual(["deny", "deny"]);
        expect(await client.isAllowed(stories.readResearch)).toBe(false);
        let ran = false;
        const guarded = client.guard(
          () => {
            ran = true;
          },
          () => stories.readResearch,
        );
        await expect(guarded(undefined)).rejects.toBeInstanceOf(PeaDenied);
        expect(ran).toBe(false);
      } finally {
        await down.close();
      }
    });
  }

  it("denies a request it cannot put into JSON (a cycle, 100,000 levels deep) without sending it", async () => {
    let asked = 0;
    const client = createPeaClient({
      url: "http://127.0.0.1:9",
      apiKey: "pea_x.y",
      fetch: async () => {
        asked++;
        return new Response("{}");
      },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    for (const context of [cyclic, { deep }]) {
      const decision = await client.authorize({ ...stories.readResearch, context });
      expect(decision).toMatchObject({ decision: "deny", reasons: [{ code: "invalid_request" }] });
    }
    expect(asked).toBe(0);
  });
});
