// Reading the audit log: filtered pages (GET /v1/audit), export (pea audit export), run lineage.
import { type Database, type Session, tables } from "@pea/migrations";
import { and, asc, desc, eq, gte, inArray, isNull, like, lt, ne, or, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { describeRun, getRun } from "../trust/runs.js";
import type { AuditEntry, AuditRecord } from "./chain.js";

export interface AuditQuery {
  since?: Date | undefined;
  until?: Date | undefined;
  /** The deciding principal, or a change's actor ("Agent::research-assistant", "User::carol"). */
  principal?: string | undefined;
  run?: string | undefined;
  decision?: "allow" | "deny" | undefined;
  /** The deciding reason of a deny (the first of its reasons). */
  reason?: string | undefined;
  kind?: "decision" | "change" | undefined;
  /** The order entries come in: newest first (the default) or oldest first. */
  order?: "newest" | "oldest" | undefined;
  /** Entries older than this seq (a page's `older` cursor). */
  before?: number | undefined;
  /** Entries newer than this seq (a page's `newer` cursor). */
  after?: number | undefined;
  limit?: number | undefined;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the entries older than this page; absent when there are none. */
  older?: number | undefined;
  /** Pass as `after` for the entries newer than this page; absent when there are none so far. */
  newer?: number | undefined;
}

const { auditLog: log } = tables;
const entryColumns = { seq: log.seq, time: log.time, prev_hash: log.prevHash, hash: log.hash, record: log.record };
type Row = { seq: number; time: Date; prev_hash: string; hash: string; record: AuditRecord };

const toEntry = (row: Row): AuditEntry => ({
  seq: row.seq,
  time: row.time.toISOString(),
  prevHash: row.prev_hash,
  hash: row.hash,
  record: row.record,
});

export const MAX_AUDIT_PAGE = 500;

/** The condition of every filter in `query` except the cursors (undefined when none is given). */
export function auditFilters(query: Omit<AuditQuery, "order" | "before" | "after" | "limit">): SQL | undefined {
  const equal = (column: AnyPgColumn, value: string | undefined) => (value ? eq(column, value) : undefined);
  return and(
    query.since ? gte(log.time, query.since) : undefined,
    query.until ? lt(log.time, query.until) : undefined,
    equal(log.principal, query.principal),
    equal(log.runId, query.run),
    equal(log.decision, query.decision),
    equal(log.kind, query.kind),
    equal(log.reason, query.reason),
  );
}

/**
 * One page of audit entries matching every given filter, newest first (or oldest first), keyset-paged
 * both ways: with `before` the page just older than that entry, with `after` the page just newer,
 * else the newest (oldest) page. Entries are ordered by time, then seq: the log's order wherever
 * writers' clocks agree, and what an index on time can walk from any point of a large log.
 */
export async function queryAudit(database: Session, query: AuditQuery): Promise<AuditPage> {
  const order = query.order ?? "newest";
  // The direction the index is walked: away from the cursor, or from the end the order starts at.
  const ascending = query.after !== undefined || (query.before === undefined && order === "oldest");
  const cursor = query.before ?? query.after;
  const fromCursor =
    cursor === undefined
      ? undefined
      : sql`(${log.time}, ${log.seq}) ${ascending ? sql`>` : sql`<`} (SELECT time, seq FROM audit_log WHERE seq = ${cursor} LIMIT 1)`;
  const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_AUDIT_PAGE);
  const walk = ascending ? asc : desc;
  const rows: Row[] = await database.db
    .select(entryColumns)
    .from(log)
    .where(and(auditFilters(query), fromCursor))
    .orderBy(walk(log.time), walk(log.seq))
    .limit(limit + 1);
  const more = rows.length > limit;
  const scanned = rows.slice(0, limit).map(toEntry);
  const entries = (order === "oldest") === ascending ? scanned : scanned.reverse();
  const oldest = order === "oldest" ? entries[0] : entries[entries.length - 1];
  const newest = order === "oldest" ? entries[entries.length - 1] : entries[0];
  // Beyond the walked end there is more only if the scan said so; behind the cursor there is at
  // least the entry the cursor came from.
  const hasOlder = ascending ? query.after !== undefined : more;
  const hasNewer = ascending ? more : query.before !== undefined;
  return {
    entries,
    ...(hasOlder && oldest ? { older: oldest.seq } : {}),
    ...(hasNewer && newest ? { newer: newest.seq } : {}),
  };
}

/** Every entry matching `query`, page by page, oldest first (for JSON-lines export). */
export async function* exportAudit(
  database: Session,
  query: Omit<AuditQuery, "limit" | "order" | "before">,
): AsyncGenerator<AuditEntry> {
  let after = query.after;
  for (;;) {
    const page = await queryAudit(database, { ...query, order: "oldest", after, limit: MAX_AUDIT_PAGE });
    yield* page.entries;
    if (page.newer === undefined) return;
    after = page.newer;
  }
}

export interface LineageEvent {
  seq: number;
  time: string;
  kind: "decision" | "change";
  /** decision: allow/deny; change: its action (run.start, approval.grant, revocation.create...). */
  what: string;
  /** Who acted: the deciding principal (with its chain) or the change's actor. */
  who: string;
  summary: string;
  record: AuditRecord;
}

export interface Lineage {
  /** The run as stored (null when only audit records name it). */
  run: (ReturnType<typeof describeRun> & { createdBy: string | null }) | null;
  /** Who delegated what to whom: the chain, outermost first, ending with the acting principal. */
  delegation: { chain: string[]; principal: string; intent: string; startedBy: string | null };
  /** Everything recorded about the run, in log order. */
  events: LineageEvent[];
  decisions: { total: number; allowed: number; denied: number };
  approvals: LineageEvent[];
  outcomes: LineageEvent[];
  revocations: LineageEvent[];
  /** The audit range covered, for `pea audit verify` / checkpoints. */
  firstSeq: number | undefined;
  lastSeq: number | undefined;
}

const ref = (r: { type: string; id: string }) => `${r.type}::${r.id}`;

function describeEvent(entry: AuditEntry): LineageEvent {
  const r = entry.record;
  if (r.type === "decision") {
    const reasons = (r.reasons as Array<{ code: string; policy?: string }> | undefined) ?? [];
    const chain = (r.chain as string[] | undefined) ?? [];
    const who = [...chain, String(r.principal)].join(" → ");
    const why =
      reasons.length > 0 ? ` (${reasons.map((x) => (x.policy ? `${x.code}: ${x.policy}` : x.code)).join(", ")})` : "";
    return {
      seq: entry.seq,
      time: entry.time,
      kind: "decision",
      what: String(r.decision),
      who,
      summary: `${String(r.decision)} ${String(r.action)} on ${String(r.resource)}${why}`,
      record: r,
    };
  }
  return {
    seq: entry.seq,
    time: entry.time,
    kind: "change",
    what: String(r.action),
    who: String(r.actor),
    summary: `${String(r.actor)} ${String(r.action)} ${String(r.target)}`,
    record: r,
  };
}

/**
 * Rebuild a run from its audit records: the delegation it was started under, every decision in
 * order, and every change tied to it (approvals, outcomes reported, revocations of the run or of
 * an actor in its chain). Undefined when there is no such run and nothing was recorded for it.
 */
export async function buildLineage(database: Database, runId: string): Promise<Lineage | undefined> {
  const run = await getRun(database, runId);
  const rows = await database.db
    .select(entryColumns)
    .from(log)
    .where(or(eq(log.runId, runId), eq(log.ref, `Run::${runId}`)))
    .orderBy(log.seq);
  const own = rows.map(toEntry);
  if (!run && own.length === 0) return undefined;

  // Revocations of any actor in the run (they stop the run's next decision too), and changes about
  // the run's decisions and approvals (outcomes reported, approvals granted or rejected).
  const actors = new Set<string>();
  const refs = new Set<string>();
  if (run) for (const link of [...run.chain, run.principal]) actors.add(ref(link));
  for (const e of own) {
    if (e.record.type !== "decision") continue;
    actors.add(String(e.record.principal));
    for (const link of (e.record.chain as string[] | undefined) ?? []) actors.add(link);
    refs.add(`Decision::${String(e.record.decisionId)}`);
    if (typeof e.record.approvalId === "string") refs.add(`Approval::${e.record.approvalId}`);
    for (const o of (e.record.obligations as Array<{ approvalId?: unknown }> | undefined) ?? []) {
      if (typeof o.approvalId === "string") refs.add(`Approval::${o.approvalId}`);
    }
  }
  const firstSeq = own[0]?.seq;
  const action = sql<string>`${log.record} ->> 'action'`;
  const related =
    firstSeq !== undefined
      ? (
          await database.db
            .select(entryColumns)
            .from(log)
            .where(
              and(
                eq(log.kind, "change"),
                gte(log.seq, firstSeq),
                or(isNull(log.runId), ne(log.runId, runId)),
                or(
                  inArray(log.ref, [...refs]),
                  and(
                    inArray(log.ref, [...actors]),
                    or(...["revocation.%", "%.revoke", "%.suspend"].map((p) => like(action, p))),
                  ),
                ),
              ),
            )
        ).map(toEntry)
      : [];
  const events = [...own, ...related].sort((a, b) => a.seq - b.seq).map(describeEvent);

  const decisionEvents = events.filter((e) => e.kind === "decision");
  const first = decisionEvents[0]?.record;
  const startedBy = events.find((e) => e.kind === "change" && e.what === "run.start")?.who ?? run?.createdBy ?? null;
  const delegation = run
    ? { chain: run.chain.map(ref), principal: ref(run.principal), intent: run.intent, startedBy }
    : {
        chain: (first?.chain as string[] | undefined) ?? [],
        principal: String(first?.principal ?? ""),
        intent: String(first?.intent ?? ""),
        startedBy,
      };
  const isChange = (e: LineageEvent, test: (action: string) => boolean) => e.kind === "change" && test(e.what);
  return {
    run: run ? { ...describeRun(run), createdBy: run.createdBy } : null,
    delegation,
    events,
    decisions: {
      total: decisionEvents.length,
      allowed: decisionEvents.filter((e) => e.what === "allow").length,
      denied: decisionEvents.filter((e) => e.what === "deny").length,
    },
    approvals: events.filter((e) => isChange(e, (a) => a.startsWith("approval."))),
    outcomes: events.filter((e) => isChange(e, (a) => a.includes("outcome"))),
    revocations: events.filter((e) =>
      isChange(e, (a) => a.startsWith("revocation.") || a.endsWith(".revoke") || a.endsWith(".suspend")),
    ),
    firstSeq,
    lastSeq: events[events.length - 1]?.seq,
  };
}
