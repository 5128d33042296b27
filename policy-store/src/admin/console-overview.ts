// What a compliance officer sees first in the console: what waits for a human, what is running,
// who is over a wall, what was revoked, and how decisions went hour by hour (fail-closed denies
// apart, because they mean PEA itself could not decide).
import { rowsOf, type Session, tables } from "@pea/migrations";
import { and, count, eq, gt, gte, isNull, lt, lte, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { listRevocations, type Revocation } from "../trust/revocations.js";

/** Denies that mean PEA could not decide (its store, its log, its evaluation), not that policy said no. */
export const failClosedReasons = ["store_unavailable", "audit_unavailable", "evaluation_error"] as const;

export interface DecisionHour {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  allow: number;
  /** Denies by deciding reason (the first of a deny's reasons). */
  deny: Record<string, number>;
}

const HOUR_MS = 3_600_000;

/**
 * Decisions per hour over the `hours` hours up to `now` (the current hour last, partial), every
 * hour present even when nothing was decided. One index-only read of audit_log_time_seq.
 */
export async function decisionsPerHour(
  database: Session,
  options: { now: Date; hours?: number },
): Promise<DecisionHour[]> {
  const hours = options.hours ?? 24;
  const end = Math.floor(options.now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  const start = end - hours * HOUR_MS;
  const { auditLog } = tables;
  const hour = sql`date_bin('1 hour', ${auditLog.time}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`.mapWith(auditLog.time);
  const rows = await database.db
    .select({ hour, decision: auditLog.decision, reason: auditLog.reason, n: count() })
    .from(auditLog)
    .where(and(gte(auditLog.time, new Date(start)), lt(auditLog.time, new Date(end)), eq(auditLog.kind, "decision")))
    .groupBy(hour, auditLog.decision, auditLog.reason);
  const byHour = new Map<number, DecisionHour>();
  for (let t = start; t < end; t += HOUR_MS) byHour.set(t, { hour: new Date(t).toISOString(), allow: 0, deny: {} });
  for (const row of rows) {
    const slot = byHour.get(row.hour.getTime());
    if (!slot) continue;
    if (row.decision === "allow") slot.allow += Number(row.n);
    else {
      const reason = row.reason ?? "not_permitted";
      slot.deny[reason] = (slot.deny[reason] ?? 0) + Number(row.n);
    }
  }
  return [...byHour.values()];
}

export interface ConsoleOverview {
  pendingApprovals: number;
  activeRuns: number;
  activeCrossings: number;
  /** Revocations made in the last 24 hours, and the newest few of them. */
  revocationsLastDay: number;
  recentRevocations: Revocation[];
  decisions: {
    hours: DecisionHour[];
    allow: number;
    deny: number;
    /** Deny counts by reason over the whole window, largest first. */
    byReason: Array<{ reason: string; count: number; failClosed: boolean }>;
    failClosed: number;
  };
}

/** The overview's numbers, read in one snapshot of the store. */
export async function consoleOverview(database: Session, options: { now: Date }): Promise<ConsoleOverview> {
  const { now } = options;
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
  const { approvals, runs, wallCrossings: crossings, revocations } = tables;
  // Scalar subqueries, so the four counts are one statement (one snapshot even outside a transaction).
  const rowsIn = (table: PgTable, where: SQL | undefined) => sql`(SELECT count(*) FROM ${table} WHERE ${where})`;
  const [counts] = await rowsOf<{ approvals: unknown; runs: unknown; crossings: unknown; revocations: unknown }>(
    database,
    sql`SELECT
          ${rowsIn(approvals, and(eq(approvals.status, "pending"), gt(approvals.expiresAt, now)))} AS approvals,
          ${rowsIn(runs, and(eq(runs.status, "active"), gt(runs.expiresAt, now)))} AS runs,
          ${rowsIn(
            crossings,
            and(isNull(crossings.revokedAt), gt(crossings.expiresAt, now), lte(crossings.grantedAt, now)),
          )} AS crossings,
          ${rowsIn(revocations, gte(revocations.createdAt, dayAgo))} AS revocations`,
  );
  const hours = await decisionsPerHour(database, { now: options.now });
  const byReason = new Map<string, number>();
  let allow = 0;
  for (const h of hours) {
    allow += h.allow;
    for (const [reason, n] of Object.entries(h.deny)) byReason.set(reason, (byReason.get(reason) ?? 0) + n);
  }
  const reasons = [...byReason]
    .map(([reason, count]) => ({ reason, count, failClosed: isFailClosed(reason) }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return {
    pendingApprovals: Number(counts?.approvals ?? 0),
    activeRuns: Number(counts?.runs ?? 0),
    activeCrossings: Number(counts?.crossings ?? 0),
    revocationsLastDay: Number(counts?.revocations ?? 0),
    recentRevocations: await listRevocations(database, { limit: 5 }),
    decisions: {
      hours,
      allow,
      deny: reasons.reduce((sum, r) => sum + r.count, 0),
      byReason: reasons,
      failClosed: reasons.filter((r) => r.failClosed).reduce((sum, r) => sum + r.count, 0),
    },
  };
}

export function isFailClosed(reason: string): boolean {
  return (failClosedReasons as readonly string[]).includes(reason);
}
