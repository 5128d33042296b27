// Every fault PEA handles, forced for real, each answered with a deny (never an allow, never a 500).
import { afterEach, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { policyDirWith, startTestPdp, type TestPdp, waitFor } from "../support/store.js";

let pdp: TestPdp | undefined;
afterEach(async () => {
  await pdp?.close();
  pdp = undefined;
});

describe("fail-closed", () => {
  it("denies store_unavailable when the store goes away, and recovers when it returns", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");

    // The outage lasts until it is ended: on Postgres the feed would otherwise reconnect at once,
    // and what is asserted below would race it.
    const outage = await pdp.outage();
    await waitFor(() => !pdp?.engine.status().store);
    const { status, json } = await client.authorize(stories.readResearch);
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.map((r) => r.code)).toContain("store_unavailable");
    expect((await client.call("GET", "/readyz")).status).toBe(503);
    expect((await client.call("GET", "/metrics")).text).toMatch(
      /pea_store_errors_total\{cause="decision_facts"\} [1-9]/,
    );

    if (storeKind === "postgres") {
      // The server lets it in again: the feed reconnects, resyncs, and decisions resume.
      await outage.end();
      await waitFor(() => pdp?.engine.status().ready === true, 5_000);
      expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");

      // A connection can also die while a transaction holds it between two statements: that
      // fails the transaction, not the process (a checked-out client's 'error' used to go unhandled).
      const database = pdp.database;
      const holding = database.transaction(async (tx) => {
        await tx.query("SELECT 1");
        await pdp?.cutConnections();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.query("SELECT 1");
      });
      await expect(holding).rejects.toThrow(/connection|terminat/);
      await waitFor(() => pdp?.engine.status().ready === true, 5_000);
      expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");
    }
  });

  it("denies audit_unavailable when the decision cannot be recorded, even where policy allows", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    await pdp.database.query("ALTER TABLE audit_log RENAME TO audit_log_gone");
    const { status, json } = await client.authorize(stories.readResearch);
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.code).toBe("audit_unavailable");
    expect((await client.call("GET", "/metrics")).text).toMatch(/pea_store_errors_total\{cause="audit_write"\} [1-9]/);
    await pdp.database.query("ALTER TABLE audit_log_gone RENAME TO audit_log");
    expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");
  });

  it("denies evaluation_error when a policy errors, although Cedar alone would allow", async () => {
    // Valid in strict mode, but overflows at run time: Cedar skips the erroring forbid and allows.
    const policyDir = await policyDirWith({
      "overflow.cedar": `@id("test.overflow")
forbid (principal, action == Action::"dataset:read", resource)
when { context.request has amount && context.request.amount * 4611686018427387904 > 0 };`,
    });
    pdp = await startTestPdp({ policyDir });
    const client = pdpClient(pdp);
    const { json } = await client.authorize({ ...stories.readResearch, context: { amount: 4 } });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0], JSON.stringify(json)).toMatchObject({
      code: "evaluation_error",
      policy: "test.overflow",
    });
    expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");
  });

  it("refuses to become ready with invalid policies, and denies meanwhile", async () => {
    const policyDir = await policyDirWith({
      "broken.cedar": `permit (principal, action == Action::"dataset:read", resource) when { resource.nonsense };`,
    });
    pdp = await startTestPdp({ policyDir });
    const client = pdpClient(pdp);
    const ready = await client.call("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.json.problems)).toContain("broken.cedar:1");
    const { json } = await client.authorize(stories.readResearch);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.code).toBe("evaluation_error");
  });

  it("never lets evidence reach evaluation", async () => {
    // A planted rule that flips on context.request.purpose: the same value sent as evidence must not flip it.
    const policyDir = await policyDirWith({
      "purpose.cedar": `@id("test.purpose-gate")
@reason("policy_denied")
forbid (principal, action == Action::"dataset:read", resource)
unless { context.request has purpose && context.request.purpose == "approved-research" };`,
    });
    pdp = await startTestPdp({ policyDir });
    const client = pdpClient(pdp);
    const flipped = await client.authorize({ ...stories.readResearch, context: { purpose: "approved-research" } });
    expect(flipped.json.decision).toBe("allow");
    for (const evidence of [
      { purpose: "approved-research" },
      { request: { purpose: "approved-research" } },
      { context: { purpose: "approved-research" } },
    ]) {
      const { json } = await client.authorize({ ...stories.readResearch, evidence });
      expect(json.decision).toBe("deny");
      expect(json.reasons?.[0]?.policy).toBe("test.purpose-gate");
    }
  });

  it("denies when a referenced entity vanishes between requests", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    await pdp.database.query("DELETE FROM resources WHERE type = 'Dataset' AND id = 'research-repo'");
    await waitFor(async () => (await client.authorize(stories.readResearch)).json.decision === "deny");
    expect((await client.authorize(stories.readResearch)).json.reasons?.[0]?.code).toBe("unknown_entity");
  });
});
