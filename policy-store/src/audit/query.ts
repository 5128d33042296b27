// Reading the audit log: filtered pages (GET /v1/audit), export (pea audit export), run lineage.
import type { Database, Session } from "@pea/migrations";
import { describeRun, getRun } from "../trust/runs.js";
import type { AuditEntry, AuditRecord } from "./chain.js";

export interface AuditQuery {
  since?: Date | undefined;
  until?: Date | undefined;
  /** The deciding principal, or a change's actor ("Agent::research-assistant", "User::carol"). */
  principal?: string | undefined;
  run?: string | undefined;
  decision?: "allow" | "deny" | undefined;
  /** Any reason code the decision carries. */
  reason?: string | undefined;
  kind?: "decision" | "change" | undefined;
  /** Entries after this seq (the previous page's nextCursor). */
  after?: number | undefined;
  limit?: number | undefined;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: number | undefined;
}

type Row = { seq: unknown; time: Date | string; prev_hash: string; hash: string; record: AuditRecord };

const toEntry = (row: Row): AuditEntry => ({
  seq: Number(row.seq),
  time: new Date(row.time).toISOString(),
  prevHash: row.prev_hash,
  hash: row.hash,
  record: row.record,
});

export const MAX_AUDIT_PAGE = 500;

/** One page of audit entries matching every given filter, oldest first (by seq). */
export async function queryAudit(database: Session, query: AuditQuery): Promise<AuditPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.since) add((p) => `time >= ${p}`, query.since.toISOString());
  if (query.until) add((p) => `time < ${p}`, query.until.toISOString());
  if (query.principal) add((p) => `principal = ${p}`, query.principal);
  if (query.run) add((p) => `run_id = ${p}`, query.run);
  if (query.decision) add((p) => `decision = ${p}`, query.decision);
  if (query.kind) add((p) => `kind = ${p}`, query.kind);
  if (query.reason) add((p) => `record -> 'reasons' @> ${p}::jsonb`, JSON.stringify([{ code: query.reason }]));
  if (query.after !== undefined) add((p) => `seq > ${p}`, query.after);
  const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_AUDIT_PAGE);
  params.push(limit + 1);
  const rows = await database.query<Row>(
    `SELECT seq, time, prev_hash, hash, record FROM audit_log
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  const entries = rows.slice(0, limit).map(toEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > limit && last ? last.seq : undefined };
}

/** Every entry matching `query`, page by page, oldest first (for JSON-lines export). */
export async function* exportAudit(database: Session, query: Omit<AuditQuery, "limit">): AsyncGenerator<AuditEntry> {
  let after = query.after;
  for (;;) {
    const page = await queryAudit(database, { ...query, after, limit: MAX_AUDIT_PAGE });
    yield* page.entries;
    if (page.nextCursor === undefined) return;
    after = page.nextCursor;
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
  const rows = await database.query<Row>(
    `SELECT seq, time, prev_hash, hash, record FROM audit_log
      WHERE run_id = $1 OR ref = $2 ORDER BY seq`,
    [runId, `Run::${runId}`],
  );
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
  const related =
    firstSeq !== undefined
      ? (
          await database.query<Row>(
            `SELECT seq, time, prev_hash, hash, record FROM audit_log
              WHERE kind = 'change' AND seq >= $2 AND (run_id IS NULL OR run_id <> $3)
                AND (ref = ANY($4::text[])
                     OR (ref = ANY($1::text[])
                         AND (record ->> 'action' LIKE 'revocation.%' OR record ->> 'action' LIKE '%.revoke'
                              OR record ->> 'action' LIKE '%.suspend')))`,
            [[...actors], firstSeq, runId, [...refs]],
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
