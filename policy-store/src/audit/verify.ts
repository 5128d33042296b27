// `pea audit verify`: walk the chain in seq order and name the first bad seq.
import { rowsOf, type Session, tables } from "@pea/migrations";
import { and, eq, ne, sql } from "drizzle-orm";
import { type AuditRecord, entryHash, GENESIS_HASH, readHead } from "./chain.js";
import { checkpointSignatureValid, readCheckpoints, type SignedCheckpoint } from "./checkpoints.js";

export type AuditProblemKind =
  | "modified" // a row's content no longer matches its hash (or a signed checkpoint)
  | "missing" // a seq is absent
  | "reordered" // a row sits where another belongs (it chains after a different record)
  | "duplicate" // two rows claim one seq
  | "truncated" // rows after the last present one are gone (head or a checkpoint says so)
  | "bad_checkpoint"; // a checkpoint's signature does not verify

export interface AuditProblem {
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Rows checked. */
  checked: number;
  firstSeq: number | undefined;
  lastSeq: number;
  lastHash: string;
  /** Signed checkpoints matched against the chain (stored ones and the file's). */
  checkpointsMatched: number;
  problem?: AuditProblem;
}

export interface VerifyOptions {
  /** An external checkpoint (e.g. from `pea audit checkpoint --out`) the log must still contain. */
  checkpoint?: SignedCheckpoint | undefined;
  /** Pin the key that must have signed the external checkpoint (SPKI PEM). */
  publicKey?: string | undefined;
  pageSize?: number;
}

type Row = { seq: unknown; time: Date | string; prev_hash: string; hash: string; record: AuditRecord };

/**
 * Verify the whole audit log: every seq present once and in order, every row's hash over its
 * content and its predecessor's hash, the chain head and every signed checkpoint consistent.
 * Stops at the first problem. A log whose oldest partitions were archived starts at seq s > 1:
 * that is accepted only when a signed checkpoint at s-1 vouches for the first row's prev_hash.
 */
export async function verifyAuditLog(database: Session, options: VerifyOptions = {}): Promise<VerifyResult> {
  const stored = await readCheckpoints(database);
  const result: VerifyResult = {
    ok: true,
    checked: 0,
    firstSeq: undefined,
    lastSeq: 0,
    lastHash: GENESIS_HASH,
    checkpointsMatched: 0,
  };
  const fail = (problem: AuditProblem): VerifyResult => ({ ...result, ok: false, problem });

  for (const c of stored) {
    if (!checkpointSignatureValid(c)) {
      return fail({
        seq: c.seq,
        kind: "bad_checkpoint",
        message: `stored checkpoint at seq ${c.seq} (key ${c.keyId}) has a bad signature`,
      });
    }
  }
  const external = options.checkpoint;
  if (external && !checkpointSignatureValid(external, options.publicKey)) {
    return fail({
      seq: external.seq,
      kind: "bad_checkpoint",
      message: `the checkpoint file's signature does not verify${options.publicKey ? " with the pinned key" : ""}`,
    });
  }
  // seq -> hashes that signed checkpoints vouch for
  const vouched = new Map<number, Array<{ hash: string; from: string }>>();
  for (const c of stored)
    vouched.set(c.seq, [...(vouched.get(c.seq) ?? []), { hash: c.hash, from: `checkpoint ${c.keyId}` }]);
  if (external) {
    vouched.set(external.seq, [
      ...(vouched.get(external.seq) ?? []),
      { hash: external.hash, from: "the checkpoint file" },
    ]);
  }

  // Read after the checkpoints: everything they vouch for was appended before this head. Rows
  // appended while we verify (a live PDP) are past it and left for the next run.
  const head = await readHead(database);
  const pageSize = options.pageSize ?? 2000;
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let cursor: { seq: number; hash: string } = { seq: 0, hash: "" };
  let first = true;
  const { auditLog: log } = tables;
  for (;;) {
    // The whole log, a page at a time, through the `sql` template: the query builder maps every row
    // again, which cost 34% on a large read (the snapshot's, npm run bench:drizzle).
    const rows = await rowsOf<Row>(
      database,
      sql`SELECT ${log.seq}, ${log.time}, ${log.prevHash}, ${log.hash}, ${log.record} FROM ${log}
           WHERE (${log.seq}, ${log.hash}) > (${cursor.seq}::bigint, ${cursor.hash}::text) AND ${log.seq} <= ${head.seq}
           ORDER BY ${log.seq}, ${log.hash} LIMIT ${pageSize}`,
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      if (first) {
        first = false;
        result.firstSeq = seq;
        if (seq > 1) {
          // Archived prefix: only a signed checkpoint at seq-1 can vouch for where the chain resumes.
          const anchor = vouched.get(seq - 1)?.find((v) => v.hash === row.prev_hash);
          if (!anchor) {
            return fail({
              seq: 1,
              kind: "missing",
              message: `seqs 1..${seq - 1} are missing and no signed checkpoint at seq ${seq - 1} vouches for the rest`,
            });
          }
          expectedSeq = seq;
          expectedPrev = row.prev_hash;
        }
      }
      if (seq < expectedSeq) {
        return fail({ seq, kind: "duplicate", message: `seq ${seq} appears more than once` });
      }
      if (seq > expectedSeq) {
        const range = seq - 1 > expectedSeq ? `seqs ${expectedSeq}..${seq - 1} are` : `seq ${expectedSeq} is`;
        return fail({ seq: expectedSeq, kind: "missing", message: `${range} missing` });
      }
      const time = new Date(row.time).toISOString();
      const selfConsistent = entryHash(seq, time, row.prev_hash, row.record) === row.hash;
      if (row.prev_hash !== expectedPrev) {
        const [elsewhere] = await database.db
          .select({ seq: log.seq })
          .from(log)
          .where(and(eq(log.hash, row.prev_hash), ne(log.seq, seq - 1)))
          .limit(1);
        if (elsewhere) {
          return fail({
            seq,
            kind: "reordered",
            message: `seq ${seq} holds a record that chains after seq ${Number(elsewhere.seq)} (rows were swapped or renumbered)`,
          });
        }
        return fail({
          seq,
          kind: "modified",
          message: `seq ${seq}: prev_hash does not match the hash of seq ${seq - 1}`,
        });
      }
      if (!selfConsistent) {
        return fail({
          seq,
          kind: "modified",
          message: `seq ${seq}: content does not match its hash (record or time changed)`,
        });
      }
      for (const v of vouched.get(seq) ?? []) {
        if (v.hash !== row.hash) {
          return fail({
            seq,
            kind: "modified",
            message: `seq ${seq}: hash differs from the one signed in ${v.from} (the chain up to here was rewritten)`,
          });
        }
        result.checkpointsMatched += 1;
      }
      result.checked += 1;
      result.lastSeq = seq;
      result.lastHash = row.hash;
      expectedSeq = seq + 1;
      expectedPrev = row.hash;
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) break;
    cursor = { seq: Number(last.seq), hash: last.hash };
  }

  const furthest = Math.max(head.seq, ...[...vouched.keys()]);
  if (furthest > result.lastSeq) {
    const who =
      external && external.seq === furthest
        ? "the checkpoint file"
        : head.seq === furthest
          ? "the chain head"
          : "a stored checkpoint";
    return fail({
      seq: result.lastSeq + 1,
      kind: "truncated",
      message: `the log ends at seq ${result.lastSeq} but ${who} covers seq ${furthest}: the tail after seq ${result.lastSeq} was removed`,
    });
  }
  if (head.seq !== result.lastSeq || (head.seq > 0 && head.hash !== result.lastHash)) {
    return fail({
      seq: head.seq + 1,
      kind: "modified",
      message: `the chain head (seq ${head.seq}) does not match the last row (seq ${result.lastSeq})`,
    });
  }
  return result;
}
