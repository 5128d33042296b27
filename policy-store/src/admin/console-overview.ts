// What a compliance officer sees first in the console: what waits for a human, what is running,
// who is over a wall, what was revoked, and how decisions went hour by hour (fail-closed denies
// apart, because they mean PEA itself could not decide).
import type { Session } from "@pea/migrations";
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
  const rows = await database.query<{ hour: Date | string; decision: string; reason: string | null; n: unknown }>(
    `SELECT date_bin('1 hour', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour, decision, reason, count(*) AS n
       FROM audit_log
      WHERE time >= $1 AND time < $2 AND kind = 'decision'
      GROUP BY 1, 2, 3`,
    [new Date(start).toISOString(), new Date(end).toISOString()],
  );
  const byHour = new Map<number, DecisionHour>();
  for (let t = start; t < end; t += HOUR_MS) byHour.set(t, { hour: new Date(t).toISOString(), allow: 0, deny: {} });
  for (const row of rows) {
    const slot = byHour.get(new Date(row.hour).getTime());
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
  const now = options.now.toISOString();
  const dayAgo = new Date(options.now.getTime() - 24 * HOUR_MS).toISOString();
  const [counts] = await database.query<{
    approvals: unknown;
    runs: unknown;
    crossings: unknown;
    revocations: unknown;
  }>(
    `SELECT
       (SELECT count(*) FROM approvals WHERE status = 'pending' AND expires_at > $1) AS approvals,
       (SELECT count(*) FROM runs WHERE status = 'active' AND expires_at > $1) AS runs,
       (SELECT count(*) FROM wall_crossings WHERE revoked_at IS NULL AND expires_at > $1 AND granted_at <= $1) AS crossings,
       (SELECT count(*) FROM revocations WHERE created_at >= $2) AS revocations`,
    [now, dayAgo],
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
