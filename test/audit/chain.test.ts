// The audit log records every decision and change, durably, in one verifiable order.
import {
  canonicalJson,
  DecisionLog,
  type DecisionRecord,
  entryHash,
  GENESIS_HASH,
  queryAudit,
  readRecentDecisions,
  recordChange,
  verifyAuditLog,
} from "@pea/policy-store";
import { afterEach, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp | undefined;
afterEach(async () => {
  await pdp?.close();
  pdp = undefined;
});

const count = async (pdp: TestPdp, where = "true") =>
  Number((await pdp.database.query<{ n: unknown }>(`SELECT count(*) AS n FROM audit_log WHERE ${where}`))[0]?.n);

/** An allow of alice reading the research repository, as the decision log records it. */
const allowRecord = (id: string, request: unknown): DecisionRecord => ({
  id,
  principal: "User::alice",
  action: "dataset:read",
  resource: "Dataset::research-repo",
  intent: null,
  runId: null,
  decision: "allow",
  reasons: [],
  request,
  determiningPolicies: [],
  policyVersion: "v",
  entitlementVersion: 1,
  apiKeyId: null,
});

describe("canonical JSON", () => {
  it("sorts keys, drops undefined and survives a jsonb round trip", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: "x" }], e: null })).toBe(
      '{"a":[1,{"c":"x"}],"b":1,"e":null}',
    );
    expect(entryHash(1, "t", GENESIS_HASH, { a: 1, b: 2 })).toBe(entryHash(1, "t", GENESIS_HASH, { b: 2, a: 1 }));
  });
});

describe("the audit log", { timeout: 120_000 }, () => {
  it("records each decision with its request, evidence, chain, reasons and versions before answering", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    const allow = await client.authorize({ ...stories.readResearch, evidence: { score: 0.2 } });
    const deny = await client.authorize(stories.readDealDb);
    expect(allow.json.decision).toBe("allow");
    // Durable before answered: the record is already there when the answer arrives.
    const page = await queryAudit(pdp.database, { kind: "decision", order: "oldest" });
    const records = page.entries.map((e) => e.record);
    expect(records.map((r) => r.decisionId)).toEqual([allow.json.decisionId, deny.json.decisionId]);
    expect(records[0]).toMatchObject({
      type: "decision",
      decision: "allow",
      principal: "Agent::research-assistant",
      chain: ["User::alice"],
      intent: "market-research-report",
      action: "dataset:read",
      resource: "Dataset::research-repo",
      policyVersion: allow.json.policyVersion,
      entitlementVersion: allow.json.entitlementVersion,
      request: { evidence: { score: 0.2 } },
    });
    expect(records[1]).toMatchObject({ decision: "deny", reasons: [{ code: "barrier" }] });
    // Changes (seed, bootstrap key) share the chain; seqs are gapless from 1.
    const all = await queryAudit(pdp.database, { order: "oldest" });
    expect(all.entries.map((e) => e.seq)).toEqual(all.entries.map((_, i) => i + 1));
    expect(all.entries.some((e) => e.record.type === "change" && e.record.action === "api_key.create")).toBe(true);
    expect(all.entries.some((e) => e.record.action === "seed.apply")).toBe(true);
    const result = await verifyAuditLog(pdp.database);
    expect(result).toMatchObject({ ok: true, lastSeq: all.entries.length });
  });

  it("group-commits concurrent decisions: N answered, N records, gapless, verified", async () => {
    pdp = await startTestPdp();
    const log = pdp.log;
    const batches: number[] = [];
    log.onAppend((_, n) => batches.push(n));
    const client = pdpClient(pdp);
    const before = await count(pdp);
    const n = 200;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => client.authorize(i % 2 ? stories.readResearch : stories.readDealDb)),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await count(pdp)).toBe(before + n);
    const ids = new Set(answers.map((a) => a.json.decisionId));
    const recorded = await pdp.database.query<{ ref: string }>("SELECT ref FROM audit_log WHERE kind = 'decision'");
    expect(new Set(recorded.map((r) => r.ref))).toEqual(ids);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(n);
    expect((await verifyAuditLog(pdp.database)).ok).toBe(true);
  });

  it("keeps one order when two writers (two PDP processes' logs) and changes interleave", async () => {
    pdp = await startTestPdp();
    const a = new DecisionLog(pdp.database);
    const b = new DecisionLog(pdp.database);
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 120; i++) {
      work.push((i % 2 ? a : b).record(allowRecord(`dec_t${i}`, { i })));
      if (i % 30 === 0)
        work.push(recordChange(pdp.database, { actor: "test", action: "thing.change", target: `T::${i}` }));
    }
    await Promise.all(work);
    const result = await verifyAuditLog(pdp.database);
    expect(result.ok).toBe(true);
    expect(await count(pdp, "ref LIKE 'dec_t%'")).toBe(120);
    expect(await count(pdp, "record ->> 'action' = 'thing.change'")).toBe(4);
  });

  it("fails only the record the store refuses, not its batch neighbours", async () => {
    pdp = await startTestPdp();
    // A lone surrogate is valid in a JS string but not in jsonb.
    const results = await Promise.allSettled([
      pdp.log.record(allowRecord("dec_ok1", { note: "fine" })),
      pdp.log.record(allowRecord("dec_bad", { note: "\ud800" })),
      pdp.log.record(allowRecord("dec_ok2", { note: "fine" })),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await verifyAuditLog(pdp.database)).ok).toBe(true);
  });

  it("records a change atomically with the transaction that makes it", async () => {
    pdp = await startTestPdp();
    const db = pdp.database;
    const before = await count(pdp);
    await expect(
      db.transaction(async (tx) => {
        await recordChange(tx, { actor: "User::carol", action: "thing.change", target: "T::1" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await count(pdp)).toBe(before);
    const entry = await db.transaction((tx) =>
      recordChange(tx, {
        actor: "User::carol",
        action: "thing.change",
        target: "T::2",
        run: "run_x",
        detail: { why: "test" },
      }),
    );
    expect(entry.seq).toBe(before + 1);
    const page = await queryAudit(db, { principal: "User::carol" });
    expect(page.entries.map((e) => e.record)).toEqual([
      {
        type: "change",
        actor: "User::carol",
        action: "thing.change",
        target: "T::2",
        run: "run_x",
        detail: { why: "test" },
      },
    ]);
  });

  it("filters and pages, and replays recent decisions", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    for (let i = 0; i < 5; i++) await client.authorize(stories.readResearch);
    for (let i = 0; i < 3; i++) await client.authorize(stories.readDealDb);
    const denies = await queryAudit(pdp.database, { decision: "deny", reason: "barrier" });
    expect(denies.entries).toHaveLength(3);
    const p1 = await queryAudit(pdp.database, { kind: "decision", limit: 3, order: "oldest" });
    expect(p1.entries).toHaveLength(3);
    const p2 = await queryAudit(pdp.database, { kind: "decision", limit: 3, order: "oldest", after: p1.newer });
    const p3 = await queryAudit(pdp.database, { kind: "decision", limit: 3, order: "oldest", after: p2.newer });
    expect([...p1.entries, ...p2.entries, ...p3.entries]).toHaveLength(8);
    expect(p3.newer).toBeUndefined();
    expect(await queryAudit(pdp.database, { since: new Date(Date.now() + 60_000) })).toEqual({ entries: [] });
    const recent = await readRecentDecisions(pdp.database, 4);
    expect(recent.map((d) => d.decision)).toEqual(["deny", "deny", "deny", "allow"]);
    expect(recent[0]?.request).toMatchObject({ action: "dataset:read" });
  });
});
