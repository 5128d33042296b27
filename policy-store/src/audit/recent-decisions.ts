import type { Session } from "@pea/migrations";

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
  const rows = await database.query<{
    id: string;
    created_at: Date | string;
    decision: "allow" | "deny";
    reasons: unknown;
    request: unknown;
    policy_version: string;
  }>(
    // From the audit log (0004): newest first by chain order, not clock.
    `SELECT record ->> 'decisionId' AS id, time AS created_at, decision, record -> 'reasons' AS reasons,
            record -> 'request' AS request, record ->> 'policyVersion' AS policy_version
       FROM audit_log WHERE kind = 'decision' ORDER BY seq DESC LIMIT $1`,
    [n],
  );
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at).toISOString(),
    decision: r.decision,
    reasons: (json(r.reasons) ?? []) as RecordedDecision["reasons"],
    request: (json(r.request) ?? {}) as Record<string, unknown>,
    policyVersion: r.policy_version,
  }));
}
