import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { dealAssistantForBob, readDeals } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
let clock = new Date("2026-01-05T09:00:00Z");

beforeAll(async () => {
  pdp = await startTestPdp({ now: () => clock });
  client = pdpClient(pdp);
});
afterAll(async () => pdp.close());

describe("runs", () => {
  it("starts a run and shows it", async () => {
    const started = await client.call("POST", "/v1/runs", {
      ...dealAssistantForBob,
      purpose: "deal-prep",
      ttlSeconds: 600,
    });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ status: "active", intent: "deal-prep", purpose: "deal-prep" });
    expect(started.json.id).toMatch(/^run_/);
    expect(started.json.expiresAt).toBe(new Date(clock.getTime() + 600_000).toISOString());
    const shown = await client.call("GET", `/v1/runs/${started.json.id}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ id: started.json.id, chain: dealAssistantForBob.chain });
    expect((await client.call("GET", "/v1/runs/run_nope")).status).toBe(404);
  });

  it("rejects a malformed run", async () => {
    const { status, json } = await client.call("POST", "/v1/runs", { ...dealAssistantForBob, intent: undefined });
    expect(status).toBe(400);
    expect(json.error?.message).toContain("intent");
  });

  it("allows a decision that matches its live run, and denies one that does not", async () => {
    const run = (await client.call("POST", "/v1/runs", dealAssistantForBob)).json.id as string;
    expect((await client.authorize({ ...readDeals, run })).json.decision).toBe("allow");

    const otherIntent = await client.authorize({ ...readDeals, run, intent: "market-research-report" });
    expect(otherIntent.json.reasons?.[0]?.code).toBe("run_mismatch");
    const otherChain = await client.authorize({ ...readDeals, run, chain: [{ type: "User", id: "alice" }] });
    expect(otherChain.json.reasons?.[0]?.code).toBe("run_mismatch");
    const otherPrincipal = await client.authorize({
      ...readDeals,
      run,
      principal: { type: "User", id: "bob" },
      chain: [],
    });
    expect(otherPrincipal.json.reasons?.[0]?.code).toBe("run_mismatch");
    const unknown = await client.authorize({ ...readDeals, run: "run_doesnotexist" });
    expect(unknown.json.decision).toBe("deny");
    expect(unknown.json.reasons?.[0]?.code).toBe("unknown_entity");
  });

  it("denies run_inactive once the run expires, or is no longer active", async () => {
    const run = (await client.call("POST", "/v1/runs", { ...dealAssistantForBob, ttlSeconds: 60 })).json.id as string;
    expect((await client.authorize({ ...readDeals, run })).json.decision).toBe("allow");
    clock = new Date(clock.getTime() + 61_000);
    const expired = await client.authorize({ ...readDeals, run });
    expect(expired.json.reasons?.[0]).toMatchObject({ code: "run_inactive" });
    expect(expired.json.reasons?.[0]?.message).toContain("expired");

    const paused = (await client.call("POST", "/v1/runs", dealAssistantForBob)).json.id as string;
    for (const status of ["paused", "cancelled", "completed"]) {
      await pdp.database.query("UPDATE runs SET status = $1 WHERE id = $2", [status, paused]);
      const { json } = await client.authorize({ ...readDeals, run: paused });
      expect(json.reasons?.[0]).toMatchObject({ code: "run_inactive" });
      expect(json.reasons?.[0]?.message).toContain(status);
    }
  });

  it("needs the runs scope", async () => {
    const { createApiKey } = await import("@pea/policy-store");
    const { key } = await createApiKey(pdp.database, { kind: "gateway", name: "authz-only", scopes: ["authorize"] });
    await pdp.engine.keys.reload();
    const res = await client.call("POST", "/v1/runs", dealAssistantForBob, { authorization: `Bearer ${key}` });
    expect(res.status).toBe(403);
  });
});
