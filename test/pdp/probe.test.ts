// A probe ("would this be allowed now?") decides and records like authorize, and acts on nothing:
// tried as a caller would to get something out of it (an artifact, an approval, history, a recorded
// business object), on both stores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PdpClient, startPdpWithClient } from "../support/http.js";
import { dealAssistantForBob, initiatePayment, readDeals, stories } from "../support/requests.js";
import type { TestPdp } from "../support/store.js";

let pdp: TestPdp;
let client: PdpClient;
beforeAll(async () => {
  ({ pdp, client } = await startPdpWithClient());
});
afterAll(async () => pdp?.close());

type Answer = { decision: string; decisionId: string; reasons: Array<{ code: string }>; obligations: unknown[] };
const probe = async (...requests: unknown[]) => {
  const res = await client.call("POST", "/v1/authorize/probe", { requests });
  expect(res.status).toBe(200);
  return (res.json as unknown as { responses: Answer[] }).responses;
};
const count = async (sql: string, params: unknown[] = []) =>
  Number((await pdp.database.query<{ n: string | number }>(sql, params))[0]?.n);

describe("a probe", () => {
  it("answers as authorize would, without an artifact, and is in the audit log as a probe", async () => {
    const [allowed, denied] = await probe(stories.readResearch, stories.readDealDb);
    expect(allowed).toMatchObject({ decision: "allow", reasons: [] });
    expect(allowed).not.toHaveProperty("artifact");
    expect(denied?.reasons[0]?.code).toBe("barrier");
    const logged = await pdp.database.query<{ request: { via?: string }; decision: string }>(
      "SELECT record -> 'request' AS request, decision FROM audit_log WHERE ref = $1",
      [allowed?.decisionId],
    );
    expect(logged).toEqual([{ request: expect.objectContaining({ via: "probe" }), decision: "allow" }]);
  });

  it("names an approval the action would need, but opens none and records no payment", async () => {
    const approvals = await count("SELECT count(*) AS n FROM approvals");
    const [answer] = await probe(initiatePayment("probe-p1", 50_000));
    expect(answer?.reasons[0]?.code).toBe("approval_required");
    expect(answer?.obligations).toEqual([]);
    expect(await count("SELECT count(*) AS n FROM approvals")).toBe(approvals);
    // A small probe allowed on the same id fixes nothing: the real request may describe it anew.
    expect((await probe(initiatePayment("probe-p2", 10)))[0]?.decision).toBe("allow");
    expect(await count("SELECT count(*) AS n FROM business_objects WHERE object_id LIKE 'probe-p%'")).toBe(0);
    const real = await client.authorize(initiatePayment("probe-p2", 50_000));
    expect(real.json.reasons?.[0]?.code).toBe("approval_required");
  });

  it("of an MNPI read leaves no history: the run may still e-mail outside (100 probes at once)", async () => {
    const run = (await client.call("POST", "/v1/runs", dealAssistantForBob)).json.id as string;
    const reads = Array.from({ length: 100 }, () => ({ ...readDeals, run }));
    const answers = await probe(...reads);
    expect(answers.every((a) => a.decision === "allow")).toBe(true);
    expect(await count("SELECT count(*) AS n FROM touches WHERE run_id = $1", [run])).toBe(0);
    const email = {
      ...dealAssistantForBob,
      run,
      action: "email:send",
      resource: { type: "EmailAddress", id: "partner@outside-fund.example" },
    };
    expect((await client.authorize(email)).json.decision).toBe("allow");
  });

  it("is refused for a principal the key cannot speak for, like any decision", async () => {
    const res = await client.call(
      "POST",
      "/v1/authorize/probe",
      { requests: [readDeals] },
      { authorization: `Bearer ${pdp.keys.get("alice")}` },
    );
    const [answer] = (res.json as unknown as { responses: Answer[] }).responses;
    expect(answer?.decision).toBe("deny");
    expect(answer?.reasons[0]?.code).toMatch(/^unverified_/);
  });
});
