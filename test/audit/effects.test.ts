// An allow's effects (touches, business-object duty) are written with its audit record: one write
// per decision (a group-commit batch is one commit), both or neither.
import { DecisionLog, type DecisionRecord, verifyAuditLog } from "@pea/policy-store";
import { afterEach, describe, expect, it } from "vitest";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp | undefined;
afterEach(async () => {
  await pdp?.close();
  pdp = undefined;
});

const at = new Date("2026-01-02T03:04:05.000Z");
// A deny with no effects: written in the same batch as the allows recorded in the same turn.
const lead = (): DecisionRecord => record("dec_e_lead", { decision: "deny", effects: undefined });

const record = (id: string, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  id,
  principal: "Agent::research-assistant",
  action: "dataset:read",
  resource: "Dataset::research-repo",
  intent: null,
  runId: "run_x",
  decision: "allow",
  reasons: [],
  request: { chain: [{ type: "User", id: "alice" }] },
  determiningPolicies: [],
  policyVersion: "v",
  entitlementVersion: 1,
  apiKeyId: "key_1",
  effects: {
    at,
    agents: ["Agent::research-assistant"],
    users: ["User::alice"],
    human: "User::alice",
    labels: ["segment:research"],
  },
  ...extra,
});

const duty = (id: string): DecisionRecord =>
  record(id, {
    action: "payment:initiate",
    resource: "Payment::p-1",
    effects: {
      at,
      agents: ["Agent::payments-agent"],
      users: ["User::dave"],
      human: "User::dave",
      labels: [],
      object: { type: "Payment", id: "p-1", duty: "initiate" },
    },
  });

const ids = async (pdp: TestPdp, sql: string) =>
  (await pdp.database.query<{ id: string }>(sql)).map((r) => r.id).sort();
const logged = (pdp: TestPdp) =>
  ids(pdp, "SELECT ref AS id FROM audit_log WHERE kind = 'decision' AND ref LIKE 'dec_e%'");
const touched = (pdp: TestPdp) => ids(pdp, "SELECT decision_id AS id FROM touches WHERE decision_id LIKE 'dec_e%'");
const duties = (pdp: TestPdp) =>
  ids(pdp, "SELECT decision_id AS id FROM object_duties WHERE decision_id LIKE 'dec_e%'");

describe("an allow's effects", { timeout: 120_000 }, () => {
  it("are written with the audit records, batch by batch, on the optimistic and the locked path", async () => {
    pdp = await startTestPdp();
    const a = new DecisionLog(pdp.database);
    const b = new DecisionLog(pdp.database);
    const work: Array<Promise<unknown>> = [];
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = `dec_e${String(i).padStart(3, "0")}`;
      expected.push(id);
      // Two writers on one chain: each moves the head under the other (locked path) as well.
      work.push((i % 2 ? a : b).record(i % 3 === 0 ? duty(id) : record(id)));
    }
    await Promise.all(work);
    expect(await logged(pdp)).toEqual(expected);
    expect(await duties(pdp)).toEqual(expected.filter((_, i) => i % 3 === 0));
    expect(await touched(pdp)).toEqual(expected.filter((_, i) => i % 3 !== 0));
    const [row] = await pdp.database.query<Record<string, unknown>>(
      "SELECT run_id, agents, human, labels, api_key_id, undone, at FROM touches WHERE decision_id = 'dec_e001'",
    );
    expect(row).toMatchObject({
      run_id: "run_x",
      agents: ["Agent::research-assistant"],
      human: "User::alice",
      labels: ["segment:research"],
      api_key_id: "key_1",
      undone: false,
    });
    expect(new Date(row?.at as string).toISOString()).toBe(at.toISOString());
    const [object] = await pdp.database.query<Record<string, unknown>>(
      "SELECT object_type, object_id, duty, users, agents FROM object_duties WHERE decision_id = 'dec_e000'",
    );
    expect(object).toMatchObject({
      object_type: "Payment",
      object_id: "p-1",
      duty: "initiate",
      users: ["User::dave"],
      agents: ["Agent::payments-agent"],
    });
    expect((await verifyAuditLog(pdp.database)).ok).toBe(true);
  });

  it("are not written for a deny", async () => {
    pdp = await startTestPdp();
    await pdp.log.record(record("dec_e_deny", { decision: "deny" }));
    expect(await logged(pdp)).toEqual(["dec_e_deny"]);
    expect(await touched(pdp)).toEqual([]);
  });

  it("that the store refuses fail their own record only, which is then not logged either", async () => {
    pdp = await startTestPdp();
    // A touch already recorded under this decision id: its insert is a unique violation (23505).
    await pdp.database.query(
      "INSERT INTO touches (decision_id, at, agents, labels) VALUES ('dec_e_dup', now(), '{}', '{x}')",
    );
    const results = await Promise.allSettled([
      pdp.log.record(lead()),
      pdp.log.record(record("dec_e_ok1")),
      pdp.log.record(record("dec_e_dup")),
      pdp.log.record(duty("dec_e_ok2")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(await logged(pdp)).toEqual(["dec_e_lead", "dec_e_ok1", "dec_e_ok2"]);
    expect(await touched(pdp)).toEqual(["dec_e_dup", "dec_e_ok1"]);
    expect(await duties(pdp)).toEqual(["dec_e_ok2"]);
    expect((await verifyAuditLog(pdp.database)).ok).toBe(true);
  });

  it("and each record commits with its effects or not at all; one that cannot be written fails alone", async () => {
    pdp = await startTestPdp();
    const database = pdp.database;
    await database.exec("ALTER TABLE object_duties RENAME TO object_duties_gone");
    try {
      await pdp.log.record(lead());
      // Recorded in the same turn of the event loop: one batch. Its statement fails (the duty's
      // table is gone), so each record is retried alone: the duty's record fails with its duty,
      // its neighbours are written with their own effects (issue: one record never fails its batch).
      const results = await Promise.allSettled([
        pdp.log.record(record("dec_e_t1")),
        pdp.log.record(duty("dec_e_d1")),
        pdp.log.record(record("dec_e_t2", { decision: "deny" })),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(await logged(pdp)).toEqual(["dec_e_lead", "dec_e_t1", "dec_e_t2"]);
      expect(await touched(pdp)).toEqual(["dec_e_t1"]);
    } finally {
      await database.exec("ALTER TABLE object_duties_gone RENAME TO object_duties");
    }
    // The log recovers once the store does.
    await pdp.log.record(duty("dec_e_d2"));
    expect(await duties(pdp)).toEqual(["dec_e_d2"]);
    expect((await verifyAuditLog(pdp.database)).ok).toBe(true);
  });
});
