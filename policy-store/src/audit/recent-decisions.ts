import { type Session, tables } from "@pea/migrations";
import { desc, eq } from "drizzle-orm";

/** One recorded decision, as the policy impact report (`pea policy diff`) replays it. */
export interface RecordedDecision {
  id: string;
  createdAt: string;
  decision: "allow" | "deny";
  reasons: Array<{ code: string; policy?: string }>;
  /** The request as received (evidence included; the replay drops it). */
  request: Record<string, unknown>;
  policyVersion: string;
}

/** The newest `n` recorded decisions, newest first. */
export async function readRecentDecisions(database: Session, n: number): Promise<RecordedDecision[]> {
  const { auditLog } = tables;
  // From the audit log (0004): newest first by chain order, not clock.
  const rows = await database.db
    .select({ time: auditLog.time, decision: auditLog.decision, record: auditLog.record })
    .from(auditLog)
    .where(eq(auditLog.kind, "decision"))
    .orderBy(desc(auditLog.seq))
    .limit(n);
  return rows.map(({ time, decision, record }) => ({
    id: record.decisionId as string,
    createdAt: time.toISOString(),
    decision: decision as RecordedDecision["decision"],
    reasons: (record.reasons ?? []) as RecordedDecision["reasons"],
    request: (record.request ?? {}) as Record<string, unknown>,
    policyVersion: record.policyVersion as string,
  }));
}
