import { generateKeyPairSync } from "node:crypto";
import {
  approveActivation,
  DecisionEngine,
  defaultPolicyDir,
  evaluate,
  generateSigningKeyPem,
  loadSigningKey,
  type PolicySource,
  publishVersion,
  readPolicyDir,
  requestActivation,
  rollbackTarget,
  setFourEyes,
  setShadow,
  shadowReport,
  slotCounts,
} from "@pea/policy-store";
import { AuthorizeRequest, readCedarSchema } from "@pea/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { startTestPdp, type TestPdp, waitFor } from "../support/store.js";

const key = loadSigningKey(generateSigningKeyPem());

// A rule only the candidate has: alice may not read market data.
const planted: PolicySource = {
  file: "bank/planted.cedar",
  text: `@id("bank.no-market-data")
@reason("policy_denied")
forbid (principal, action == Action::"dataset:read", resource == Dataset::"market-data");
`,
};

const marketData = {
  principal: { type: "User", id: "alice" },
  action: "dataset:read",
  resource: { type: "Dataset", id: "market-data" },
};
const marketDataRequest = AuthorizeRequest.parse(marketData);
/**
 * A policy that changes no decision, so that every version is new content (a new version id). It
 * reads context.history: a decision then reads the store between taking the engine's inputs and
 * evaluating, the window a swap must not free its set in.
 */
const salt = (n: number): PolicySource => ({
  file: `salt/${n}.cedar`,
  text: `@id("salt.${n}")
permit (principal is User, action == Action::"dataset:read", resource is Dataset)
when { resource.classification == "salt-${n}" && context.history.human.mnpiIssuers.isEmpty() };
`,
});
const researchRepo = {
  principal: { type: "Agent", id: "research-assistant" },
  chain: [{ type: "User", id: "alice" }],
  intent: "market-research-report",
  action: "dataset:read",
  resource: { type: "Dataset", id: "research-repo" },
};

describe("published policy versions on a running PDP", () => {
  let pdp: TestPdp;
  let shipped: PolicySource[];
  beforeAll(async () => {
    pdp = await startTestPdp();
    shipped = await readPolicyDir(defaultPolicyDir);
  });
  afterAll(async () => {
    await pdp?.close();
  });

  const publish = (sources: PolicySource[], message: string, signer = key) =>
    publishVersion(pdp.database, { sources, policyCount: 1, author: "author@meridian.example", message, key: signer });
  const activate = (versionId: string, kind: "activate" | "rollback" = "activate", actor = "ops") =>
    requestActivation(pdp.database, { versionId, kind, actor });

  it("serves the policy directory while nothing is published", async () => {
    const client = pdpClient(pdp);
    const res = await client.call("GET", "/v1/policy");
    expect(res.status).toBe(200);
    expect(res.json.active).toMatchObject({ source: "directory" });
    expect(res.json.shadow).toBeNull();
  });

  it("publishing the same content twice gives the same version, signed", async () => {
    const first = await publish(shipped, "first");
    const again = await publish([...shipped].reverse(), "again");
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.version.id).toBe(first.version.id);
    // One content, one id: the directory the PDP serves from has the id its files get once published.
    expect(first.version.id).toBe(pdp.engine.policyVersion);
    expect(first.version.keyId).toBe(key.keyId);
    const rows = await pdp.database.query<{ n: number | string }>("SELECT count(*) AS n FROM policy_versions");
    expect(Number(rows[0]?.n)).toBe(1);
    // Published versions are immutable.
    await expect(pdp.database.query("UPDATE policy_versions SET message = 'changed'")).rejects.toThrow();
  });

  it("activates a version on the running engine without failed requests, and rolls back", async () => {
    const client = pdpClient(pdp);
    const base = (await publish(shipped, "base")).version;
    expect((await activate(base.id)).status).toBe("activated");
    await waitFor(() => pdp.engine.policyVersion === base.id);
    expect((await client.authorize(marketData)).json.decision).toBe("allow");

    const candidate = (await publish([...shipped, planted], "no market data")).version;
    // Requests keep flowing while the new version is fetched, checked, compiled and swapped in.
    let stop = false;
    let failed = 0;
    let answered = 0;
    const load = (async () => {
      while (!stop) {
        const res = await client.authorize(researchRepo);
        answered++;
        if (res.status !== 200 || res.json.decision !== "allow") failed++;
      }
    })();
    await activate(candidate.id);
    await waitFor(() => pdp.engine.policyVersion === candidate.id);
    stop = true;
    await load;
    expect(answered).toBeGreaterThan(0);
    expect(failed).toBe(0);

    const denied = await client.authorize(marketData);
    expect(denied.json).toMatchObject({ decision: "deny", policyVersion: candidate.id });
    expect(denied.json.reasons?.[0]?.policy).toBe("bank.no-market-data");
    const status = await client.call("GET", "/v1/policy");
    expect(status.json.active).toMatchObject({
      source: "published",
      version: candidate.id,
      published: { message: "no market data", author: "author@meridian.example" },
      activation: { kind: "activate", requestedBy: "ops" },
    });

    expect(await rollbackTarget(pdp.database)).toBe(base.id);
    await activate(base.id, "rollback");
    await waitFor(() => pdp.engine.policyVersion === base.id);
    expect((await client.authorize(marketData)).json.decision).toBe("allow");
    expect((await client.call("GET", "/v1/policy")).json.active).toMatchObject({ activation: { kind: "rollback" } });
    const audit = await pdp.database.query<{ action: string }>(
      "SELECT record ->> 'action' AS action FROM audit_log WHERE kind = 'change' AND record ->> 'action' LIKE 'policy.%' ORDER BY seq",
    );
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(["policy.publish", "policy.activate", "policy.rollback"]),
    );
  });

  it("refuses versions signed by an untrusted key when a trust list is configured", async () => {
    const engine = await DecisionEngine.start({
      database: pdp.database,
      schemaText: readCedarSchema(),
      policyDir: defaultPolicyDir,
      firmDomains: ["meridian.example"],
      trustedPolicyKeys: ["ed25519:0000000000000000"],
    });
    try {
      // At start nothing has served: the active version is refused, so nothing serves (fail-closed).
      expect(engine.status().ready).toBe(false);
      expect(engine.status().problems.join(" ")).toContain("not a trusted policy key");
    } finally {
      await engine.stop();
    }
  });

  it("never serves a version that fails to load: the last good one keeps serving", async () => {
    const client = pdpClient(pdp);
    const good = pdp.engine.policyVersion;
    // Signed, but not valid Cedar for this schema (publishVersion stores; only the CLI validates).
    const invalid = (
      await publish(
        [...shipped, { file: "bad.cedar", text: `permit (principal, action, resource) when { resource.nope };\n` }],
        "bad",
      )
    ).version;
    await activate(invalid.id);
    await waitFor(() => pdp.engine.status().problems.join(" ").includes(invalid.id));
    expect(pdp.engine.policyVersion).toBe(good);
    expect(pdp.engine.status().ready).toBe(true);
    expect((await client.authorize(researchRepo)).json).toMatchObject({ decision: "allow", policyVersion: good });
    expect((await client.call("GET", "/v1/policy")).json.rejected).toMatchObject({ version: invalid.id });

    // A forged version: signed by one key, claiming another's public key.
    const other = generateKeyPairSync("ed25519");
    const forgedKey = {
      ...key,
      privateKey: other.privateKey,
    };
    const forged = (await publish([...shipped, planted, { file: "x.cedar", text: "// forged\n" }], "forged", forgedKey))
      .version;
    await activate(forged.id);
    await waitFor(() => pdp.engine.status().problems.join(" ").includes("signature does not verify"));
    expect(pdp.engine.policyVersion).toBe(good);
  });

  it("four-eyes: an activation waits for a second person, who cannot be the requester", async () => {
    const current = pdp.engine.policyVersion;
    const target = (await publish([...shipped, planted], "again")).version;
    expect(target.id).not.toBe(current);
    await setFourEyes(pdp.database, true, "carol");
    try {
      const pending = await requestActivation(pdp.database, { versionId: target.id, kind: "activate", actor: "dave" });
      expect(pending.status).toBe("pending");
      if (pending.status !== "pending") return;
      await expect(approveActivation(pdp.database, { requestId: pending.requestId, approver: "dave" })).rejects.toThrow(
        /cannot approve their own/,
      );
      // The database refuses an unapproved activation whoever writes it.
      await expect(
        pdp.database.query(
          "INSERT INTO policy_activations (version_id, kind, requested_by) VALUES ($1, 'activate', 'x')",
          [target.id],
        ),
      ).rejects.toThrow(/four-eyes/);
      const approved = await approveActivation(pdp.database, { requestId: pending.requestId, approver: "erin" });
      expect(approved).toMatchObject({ requestedBy: "dave", approvedBy: "erin" });
      await waitFor(() => pdp.engine.policyVersion === target.id);
      const audit = await pdp.database.query<{ actor: string }>(
        "SELECT record ->> 'actor' AS actor FROM audit_log WHERE record ->> 'action' = 'policy.activate' ORDER BY seq DESC LIMIT 1",
      );
      expect(audit[0]?.actor).toBe("erin");
    } finally {
      await setFourEyes(pdp.database, false, "carol");
    }
  });

  it("shadow mode records flips on live traffic and never enforces them", async () => {
    const client = pdpClient(pdp);
    const base = (await publish(shipped, "base")).version;
    await activate(base.id);
    await waitFor(() => pdp.engine.policyVersion === base.id);
    const candidate = (await publish([...shipped, planted], "no market data")).version;
    await setShadow(pdp.database, candidate.id, "ops");
    await waitFor(() => pdp.engine.shadowPolicies?.version === candidate.id);

    for (let i = 0; i < 3; i++) {
      expect((await client.authorize(marketData)).json.decision).toBe("allow"); // enforced: the active version
    }
    expect((await client.authorize(researchRepo)).json.decision).toBe("allow");
    await waitFor(() => pdp.engine.policyInfo().shadow?.evaluated === 4);
    expect(pdp.engine.policyInfo().shadow).toMatchObject({ version: candidate.id, flips: 3 });
    await pdp.engine.shadow.flush();
    const report = await shadowReport(pdp.database, candidate.id);
    expect(report.flips).toEqual([
      expect.objectContaining({ direction: "allow->deny", rule: "bank.no-market-data", count: 3 }),
    ]);
    expect((await client.call("GET", "/v1/policy")).json.shadow).toMatchObject({ version: candidate.id, flips: 3 });

    await setShadow(pdp.database, null, "ops");
    await waitFor(() => pdp.engine.shadowPolicies === undefined);
  });

  it("answers every decision by the policies of the version it reports, and reuses slots", async () => {
    // Versions alternate between allowing and forbidding alice's market data read.
    const forbids = new Map<string, boolean>();
    const versions: string[] = [];
    for (let n = 0; n < 8; n++) {
      const sources = [...shipped, salt(100 + n), ...(n % 2 === 0 ? [planted] : [])];
      const { version } = await publish(sources, `swap ${n}`);
      forbids.set(version.id, n % 2 === 0);
      versions.push(version.id);
    }
    // The version serving when this test starts (whichever an earlier test left): as it answers now.
    const serving = await evaluate(pdp.engine, marketDataRequest);
    forbids.set(serving.policyVersion, serving.outcome.decision === "deny");
    const slotsBefore = slotCounts().created;

    let stop = false;
    const answers: Array<{ version: string; decision: string; policy: string | undefined }> = [];
    // Each decision takes the engine's inputs, then awaits its facts from the store before Cedar
    // evaluates: the window in which a swap lands.
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const { outcome, policyVersion } = await evaluate(pdp.engine, marketDataRequest);
        answers.push({ version: policyVersion, decision: outcome.decision, policy: outcome.reasons[0]?.policy });
        // A decision that needs nothing from the store settles in microtasks: let timers and I/O run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    try {
      for (const id of versions) {
        await activate(id);
        await waitFor(() => pdp.engine.policyVersion === id, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    const served = new Set(answers.map((a) => a.version));
    expect(served.size).toBeGreaterThanOrEqual(versions.length);
    const wrong = answers.filter((a) =>
      forbids.get(a.version) ? a.decision !== "deny" || a.policy !== "bank.no-market-data" : a.decision !== "allow",
    );
    expect(wrong).toEqual([]);
    // Nine versions served, but only the one serving (and at most a next, or one being emptied) hold a slot.
    expect(slotCounts().inUse).toBeLessThanOrEqual(2);
    expect(slotCounts().created - slotsBefore).toBeLessThanOrEqual(3);
  }, 120_000);
});
