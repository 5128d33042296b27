// Tampering with the audit log needs a superuser switching its protection off, and is then detected
// by verify at the right seq. Each test tampers as a superuser (session_replication_role = replica
// disables the append-only triggers for that transaction only).
import type { Database } from "@pea/migrations";
import {
  type AuditRecord,
  entryHash,
  loadCheckpointSigner,
  recordChange,
  storeCheckpoint,
  verifyAuditLog,
} from "@pea/policy-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
let db: Database;
let head: number;

async function asSuperuser(...statements: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("SET LOCAL session_replication_role = replica");
    for (const statement of statements) await tx.exec(statement);
  });
}

beforeEach(async () => {
  pdp = await startTestPdp();
  db = pdp.database;
  const client = pdpClient(pdp);
  for (let i = 0; i < 6; i++) {
    await client.authorize(stories.readResearch);
    await client.authorize(stories.readDealDb);
  }
  head = Number((await db.query<{ seq: unknown }>("SELECT seq FROM audit_head"))[0]?.seq);
  expect(head).toBeGreaterThan(12);
  expect((await verifyAuditLog(db)).ok).toBe(true);
});
afterEach(async () => {
  await pdp.close();
});

const target = () => head - 5;

describe("audit log protection", { timeout: 120_000 }, () => {
  it("refuses UPDATE, DELETE and TRUNCATE to everyone while its triggers are on", async () => {
    await expect(db.query(`UPDATE audit_log SET record = '{}' WHERE seq = ${target()}`)).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(db.query(`DELETE FROM audit_log WHERE seq = ${target()}`)).rejects.toThrow(/cannot be changed/);
    await expect(db.query("TRUNCATE audit_log")).rejects.toThrow(/cannot be changed/);
    await expect(db.query("TRUNCATE audit_log_default")).rejects.toThrow(/cannot be changed/);
    expect((await verifyAuditLog(db)).ok).toBe(true);
  });

  it("the service role may append but has no UPDATE, DELETE or TRUNCATE privilege at all", async () => {
    const asService = (sql: string) =>
      db.transaction(async (tx) => {
        await tx.exec("SET LOCAL ROLE pea_service");
        // Even with the triggers off, the privilege check stops it.
        await tx.exec("SET LOCAL session_replication_role = origin");
        await tx.exec(sql);
      });
    await expect(asService(`UPDATE audit_log SET record = '{}' WHERE seq = ${target()}`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asService(`DELETE FROM audit_log WHERE seq = ${target()}`)).rejects.toThrow(/permission denied/);
    await expect(asService("TRUNCATE audit_log")).rejects.toThrow(/permission denied/);
    await expect(asService(`DELETE FROM audit_checkpoints`)).rejects.toThrow(/permission denied/);
    const appended = await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL ROLE pea_service");
      return recordChange(tx, { actor: "test", action: "thing.change", target: "T::1" });
    });
    expect(appended.seq).toBe(head + 1);
    expect((await verifyAuditLog(db)).ok).toBe(true);
  });
});

describe("pea audit verify detects tampering", { timeout: 120_000 }, () => {
  it("a field updated", async () => {
    await asSuperuser(
      `UPDATE audit_log SET record = jsonb_set(record, '{decision}',
         to_jsonb(CASE WHEN record ->> 'decision' = 'allow' THEN 'deny' ELSE 'allow' END)) WHERE seq = ${target()}`,
    );
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: target(), kind: "modified" });
  });

  it("a time changed", async () => {
    await asSuperuser(`UPDATE audit_log SET time = time + interval '1 second' WHERE seq = ${target()}`);
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: target(), kind: "modified" });
  });

  it("a row deleted", async () => {
    await asSuperuser(`DELETE FROM audit_log WHERE seq = ${target()}`);
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: target(), kind: "missing" });
  });

  it("two rows swapped", async () => {
    const s = target();
    await asSuperuser(
      `UPDATE audit_log AS a SET time = b.time, prev_hash = b.prev_hash, hash = b.hash, record = b.record
         FROM audit_log AS b WHERE (a.seq, b.seq) IN ((${s}, ${s + 1}), (${s + 1}, ${s}))`,
    );
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: s, kind: "reordered" });
  });

  it("two rows renumbered into each other's place", async () => {
    const s = target();
    await asSuperuser(
      `UPDATE audit_log SET seq = -seq WHERE seq IN (${s}, ${s + 2})`,
      `UPDATE audit_log SET seq = CASE seq WHEN ${-s} THEN ${s + 2} ELSE ${s} END WHERE seq IN (${-s}, ${-(s + 2)})`,
    );
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: s, kind: "reordered" });
  });

  it("the tail dropped: caught by the chain head, by a stored checkpoint, and by an external one", async () => {
    const signer = await loadCheckpointSigner(db);
    const verified = await verifyAuditLog(db);
    const exported = signer.sign({ seq: verified.lastSeq, hash: verified.lastHash });
    await storeCheckpoint(db, exported);
    const client = pdpClient(pdp);
    for (let i = 0; i < 3; i++) await client.authorize(stories.readResearch);
    const cut = exported.seq - 2;

    // Careless: rows removed, head left as it was.
    await asSuperuser(`DELETE FROM audit_log WHERE seq >= ${cut}`);
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: cut, kind: "truncated" });

    // Thorough: the head rewound and the stored checkpoints deleted too. Only the external copy knows.
    const [last] = await db.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE seq = ${cut - 1}`);
    await asSuperuser(
      `UPDATE audit_head SET seq = ${cut - 1}, hash = '${last?.hash}'`,
      "DELETE FROM audit_checkpoints",
    );
    expect((await verifyAuditLog(db)).ok).toBe(true);
    const result = await verifyAuditLog(db, { checkpoint: exported });
    expect(result.problem).toMatchObject({ seq: cut, kind: "truncated" });
    expect(result.problem?.message).toContain("checkpoint file");
  });

  it("the chain rewritten with recomputed hashes: caught by a signed checkpoint", async () => {
    const signer = await loadCheckpointSigner(db);
    const verified = await verifyAuditLog(db);
    await storeCheckpoint(db, signer.sign({ seq: verified.lastSeq, hash: verified.lastHash }));
    // Change one record, then recompute every hash after it so the chain is self-consistent again.
    const rows = await db.query<{ seq: unknown; time: Date; prev_hash: string; record: AuditRecord }>(
      `SELECT seq, time, prev_hash, record FROM audit_log WHERE seq >= ${target()} ORDER BY seq`,
    );
    let prev = rows[0]?.prev_hash ?? "";
    const updates: string[] = [];
    for (const [i, row] of rows.entries()) {
      const record =
        i === 0 ? { ...row.record, decision: row.record.decision === "allow" ? "deny" : "allow" } : row.record;
      const hash = entryHash(Number(row.seq), new Date(row.time).toISOString(), prev, record);
      updates.push(
        `UPDATE audit_log SET prev_hash = '${prev}', hash = '${hash}', record = '${JSON.stringify(record).replaceAll("'", "''")}'::jsonb WHERE seq = ${Number(row.seq)}`,
      );
      prev = hash;
    }
    updates.push(`UPDATE audit_head SET hash = '${prev}'`);
    await asSuperuser(...updates);
    const result = await verifyAuditLog(db);
    expect(result.problem).toMatchObject({ seq: verified.lastSeq, kind: "modified" });
    expect(result.problem?.message).toMatch(/signed in checkpoint/);
  });

  it("an archived prefix verifies only when a signed checkpoint vouches for where the log resumes", async () => {
    const k = 5;
    const [row] = await db.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE seq = ${k}`);
    await asSuperuser(`DELETE FROM audit_log WHERE seq <= ${k}`);
    expect((await verifyAuditLog(db)).problem).toMatchObject({ seq: 1, kind: "missing" });
    const signer = await loadCheckpointSigner(db);
    await storeCheckpoint(db, signer.sign({ seq: k, hash: row?.hash ?? "" }));
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, firstSeq: k + 1, lastSeq: head });
  });

  it("a forged or stale checkpoint is rejected", async () => {
    const signer = await loadCheckpointSigner(db);
    const wrong = signer.sign({ seq: head, hash: "f".repeat(64) });
    expect((await verifyAuditLog(db, { checkpoint: wrong })).problem).toMatchObject({ seq: head, kind: "modified" });
    const forged = { ...wrong, hash: (await verifyAuditLog(db)).lastHash };
    expect((await verifyAuditLog(db, { checkpoint: forged })).problem).toMatchObject({ kind: "bad_checkpoint" });
  });
});
