// The audit log's hash chain: canonical records, hashing and appending under the chain head.
// Every row of audit_log is written by appendEntries() (through AuditLog or recordChange).
import { createHash } from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { eq } from "drizzle-orm";

export const GENESIS_HASH = "0".repeat(64);

/** What one audit row holds (record is any JSON object with a `type`). */
export type AuditRecord = { type: string } & Record<string, unknown>;

export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC with milliseconds, exactly as hashed. */
  time: string;
  prevHash: string;
  hash: string;
  record: AuditRecord;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace; `undefined` members are
 * dropped as JSON.stringify does. Stable across a jsonb round trip, which reorders keys.
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value);
  return text === undefined ? "null" : text;
}

// Records repeat the same few keys: each is quoted once.
const quotedKeys = new Map<string, string>();
const quoted = (key: string): string => {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, q);
  }
  return q;
};

/** canonicalJson, or undefined for what JSON.stringify leaves out (undefined, functions, symbols). */
function canonical(value: unknown): string | undefined {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonical(value[i]) ?? "null";
    }
    return `${out}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return canonical((value as { toJSON: () => unknown }).toJSON());
  }
  const keys = Object.keys(value).sort();
  let out = "{";
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === "function") continue;
    const item = canonical(member) ?? "null";
    out += out.length > 1 ? `,${quoted(key)}:${item}` : `${quoted(key)}:${item}`;
  }
  return `${out}}`;
}

/** sha256 over seq, time, the previous hash and the canonical record. */
export function entryHash(seq: number, time: string, prevHash: string, record: unknown): string {
  return hashCanonical(seq, time, prevHash, canonicalJson(record));
}

function hashCanonical(seq: number, time: string, prevHash: string, canonical: string): string {
  return createHash("sha256").update(`${seq}\n${time}\n${prevHash}\n${canonical}`).digest("hex");
}

/** Chain `records` after `head`, all stamped with `time`. */
export function chainEntries(head: ChainHead, records: AuditRecord[], time = new Date()): AuditEntry[] {
  return chain(head, records, time).entries;
}

/**
 * The entries, and the JSON array of their rows for INSERT_ROWS. Each record is serialised once:
 * its canonical JSON is what is hashed, what is stored (jsonb reads it as the same value) and,
 * parsed back, the entry's record. Canonical JSON drops undefined members and applies toJSON as
 * JSON.stringify does, so this is the value jsonb will give back.
 */
function chain(head: ChainHead, records: AuditRecord[], time: Date): { entries: AuditEntry[]; rows: string } {
  const iso = time.toISOString();
  const entries: AuditEntry[] = [];
  const rows: string[] = [];
  let { seq, hash } = head;
  for (const record of records) {
    const canonical = canonicalJson(record);
    seq += 1;
    const next = hashCanonical(seq, iso, hash, canonical);
    entries.push({ seq, time: iso, prevHash: hash, hash: next, record: JSON.parse(canonical) as AuditRecord });
    rows.push(`{"seq":${seq},"time":"${iso}","prev_hash":"${hash}","hash":"${next}","record":${canonical}}`);
    hash = next;
  }
  return { entries, rows: `[${rows.join(",")}]` };
}

const INSERT_ROWS = `INSERT INTO audit_log (seq, time, prev_hash, hash, record)
  SELECT r.seq, r.time, r.prev_hash, r.hash, r.record
  FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, time timestamptz, prev_hash text, hash text, record jsonb)`;

/**
 * Rows of other tables that must commit exactly when the audit records do (an allow's touches and
 * duty, history.ts effectInserts): `sql(param, guard)` is an INSERT … SELECT … FROM
 * jsonb_to_recordset(param) … guard, and `rows` the JSON array passed as that parameter.
 */
export interface SideInsert {
  sql: (param: string, guard: string) => string;
  rows: string;
}

// The chain's own statements (appendIfHead, appendLocked, readHead) are raw: they are the decision
// log's, one batch of decisions at a time, and drizzle costs there. The append below with one
// decision record, through drizzle's `sql` template (the only drizzle form for its data-modifying
// CTEs): PGlite 486 µs raw against 657 (548 against 784 in another run); on Postgres the commit's
// flush (0.7 to 3 ms on this shared host) drowns the difference. A point read through the
// template: Postgres 146 against 174 µs, PGlite 144 against 283 µs (npm run bench:drizzle, median
// of 7 alternating rounds × 2,000 calls).

/**
 * Append in one statement if the head is still `expected` (optimistic: no round trip to read
 * it) and `condition` (SQL, its parameters numbered from the one given) holds, with `side` inserts as data-modifying CTEs of the same statement, guarded by the same head
 * check. Returns the entries, or undefined when another writer moved the head first or the
 * condition failed (then nothing at all was written).
 */
export async function appendIfHead(
  database: Session,
  expected: ChainHead,
  records: AuditRecord[],
  side: SideInsert[] = [],
  condition?: (firstParam: number) => { sql: string; params: unknown[] },
): Promise<AuditEntry[] | undefined> {
  const { entries, rows: param } = chain(expected, records, new Date());
  const last = entries[entries.length - 1];
  if (!last) return [];
  const guard = "WHERE EXISTS (SELECT 1 FROM head)";
  const ctes = side.map((s, i) => `,\n     side_${i} AS (${s.sql(`$${6 + i}::jsonb`, guard)})`).join("");
  // Anything else that must hold for the write (checked with the head, so in the same snapshot).
  const extra = condition?.(6 + side.length);
  const rows = await database.query<{ seq: unknown }>(
    `WITH head AS (
       UPDATE audit_head SET seq = $2, hash = $3 WHERE id = 1 AND seq = $4 AND hash = $5${extra ? ` AND ${extra.sql}` : ""} RETURNING 1
     )${ctes}
     ${INSERT_ROWS} ${guard} RETURNING seq`,
    [param, last.seq, last.hash, expected.seq, expected.hash, ...side.map((s) => s.rows), ...(extra?.params ?? [])],
  );
  return rows.length === entries.length ? entries : undefined;
}

/**
 * Append inside an open transaction: lock the chain head (FOR UPDATE, held until the caller's
 * transaction ends), chain the records after it, insert them and the `side` rows, and move the head.
 */
export async function appendLocked(
  tx: Session,
  records: AuditRecord[],
  side: SideInsert[] = [],
): Promise<AuditEntry[]> {
  const [head] = await tx.query<{ seq: unknown; hash: string }>(
    "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
  );
  if (!head) throw new Error("the audit chain head is missing");
  const { entries, rows } = chain({ seq: Number(head.seq), hash: head.hash }, records, new Date());
  const last = entries[entries.length - 1];
  if (!last) return [];
  await tx.query(INSERT_ROWS, [rows]);
  for (const s of side) await tx.query(s.sql("$1::jsonb", ""), [s.rows]);
  await tx.query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", [last.seq, last.hash]);
  return entries;
}

export async function readHead(database: Session): Promise<ChainHead> {
  const [head] = await database.query<{ seq: unknown; hash: string }>("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head) throw new Error("the audit chain head is missing");
  return { seq: Number(head.seq), hash: head.hash };
}

function isDatabase(target: Database | Session): target is Database {
  return typeof (target as Database).transaction === "function";
}

/** One change made through PEA (an entitlement, key, run, approval, revocation, policy version...). */
export interface ChangeRecord {
  /** Who made it: "User::carol", "key:<api key id>", "cli", "seed", "system". */
  actor: string;
  /** What was done, as noun.verb: "api_key.create", "run.start", "approval.grant", "policy.publish". */
  action: string;
  /** What it was done to: "ApiKey::abc", "Run::run_1", "Approval::apr_1". */
  target: string;
  /** The run this change belongs to, if any (lineage follows it). */
  run?: string | undefined;
  /** Anything else worth keeping (never secrets). */
  detail?: Record<string, unknown> | undefined;
  /**
   * The API key the change was made with (an actor "key:<id>" names it already). The record
   * names it and who created it, as a decision record does: a change made with a key someone else
   * minted says so.
   */
  apiKeyId?: string | null | undefined;
}

/**
 * Record a change in the audit log. Every change made through PEA must call this.
 *
 * Pass the transaction that makes the change (`database.transaction((tx) => ...)`) so the change
 * and its record commit together; call it as the LAST statement of that transaction, because it
 * holds the chain head's row lock until the transaction ends. Given a Database, it appends in
 * a transaction of its own. Throws if the log cannot be written (the caller's change then
 * rolls back with it).
 */
export async function recordChange(target: Database | Session, change: ChangeRecord): Promise<AuditEntry> {
  const append = async (tx: Session) => appendLocked(tx, [changeRecord(change, await madeWith(tx, change))]);
  const entries = isDatabase(target) ? await target.transaction(append) : await append(target);
  const entry = entries[0];
  if (!entry) throw new Error("the change was not recorded");
  return entry;
}

/** The key a change was made with, and who made that key. */
export interface MadeWith {
  apiKeyId?: string;
  apiKeyCreatedBy?: string | null;
}

/** The audit record of a change made with `made` (madeWith, or read by the caller in its own statement). */
export function changeRecord(change: ChangeRecord, made: MadeWith): AuditRecord {
  return {
    type: "change",
    actor: change.actor,
    action: change.action,
    target: change.target,
    run: change.run,
    detail: change.detail ?? {},
    ...made,
  };
}

/** The key a change was made with, and who created that key (read in the change's transaction). */
async function madeWith(tx: Session, change: ChangeRecord): Promise<MadeWith> {
  const apiKeyId = change.apiKeyId ?? /^key:(.+)$/.exec(change.actor)?.[1];
  if (!apiKeyId) return {};
  const { apiKeys } = tables;
  const [key] = await tx.db.select({ createdBy: apiKeys.createdBy }).from(apiKeys).where(eq(apiKeys.id, apiKeyId));
  return { apiKeyId, apiKeyCreatedBy: key?.createdBy ?? null };
}
