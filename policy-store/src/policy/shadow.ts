// Shadow mode: a candidate policy version decides every live request beside the active one, after
// the answer has gone out. Where the two disagree, the flip is counted and recorded; the shadow
// decision is never enforced and never delays or changes an answer.
import { type Database, type Session, tables } from "@pea/migrations";
import { count, desc, eq, min, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import type { Decision } from "../decision/decision.js";
import type { Evaluation } from "../decision/inputs.js";

const FLUSH_MS = 250;
const MAX_QUEUE = 10_000;

/** The rule a flip is attributed to: the forbid that now denies, or the rule whose effect went away. */
export function flipRule(before: Decision, after: Decision): string {
  if (before.decision === "allow" && after.decision === "deny") {
    const reason = after.reasons[0];
    return reason?.policy ?? `(${reason?.code ?? "deny"}: no permit)`;
  }
  if (before.decision === "deny" && after.decision === "allow") {
    const reason = before.reasons[0];
    return reason?.policy ?? `(${reason?.code ?? "deny"}: now permitted by ${after.determiningPolicies[0] ?? "?"})`;
  }
  return "";
}

export class ShadowRecorder {
  private queue: ShadowFlip[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly tallies = new Map<string, { evaluated: number; flips: number }>();
  dropped = 0;

  constructor(
    private readonly database: Database,
    private readonly onEvent: (event: string, detail: Record<string, unknown>) => void,
  ) {}

  counts(version: string): { evaluated: number; flips: number } {
    return this.tallies.get(version) ?? { evaluated: 0, flips: 0 };
  }

  /**
   * On the next turn of the event loop, decide the evaluated request again with the shadow version
   * (`decideWithShadow`: the pipeline's reEvaluate, same facts) and record a flip if the answer
   * differs from the enforced evaluation. Requests that never reached the policies are not compared.
   */
  observe(
    evaluation: Evaluation,
    shadow: { version: string },
    decideWithShadow: () => Decision,
    decisionId: string,
  ): void {
    const { asked } = evaluation;
    if (!asked) return;
    const enforced = evaluation.outcome;
    setImmediate(() => {
      const outcome = decideWithShadow();
      const tally = this.tallies.get(shadow.version) ?? { evaluated: 0, flips: 0 };
      tally.evaluated++;
      this.tallies.set(shadow.version, tally);
      if (outcome.decision === enforced.decision) return;
      tally.flips++;
      if (this.queue.length >= MAX_QUEUE) {
        this.dropped++;
        return;
      }
      this.queue.push({
        shadowVersion: shadow.version,
        activeVersion: evaluation.policyVersion,
        decisionId,
        activeDecision: enforced.decision,
        shadowDecision: outcome.decision,
        rule: flipRule(enforced, outcome),
        request: asked.request,
      });
      this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref?.();
    });
  }

  /** Write the queued flips (also called by tests and on stop). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.writing = recordShadowFlips(this.database, batch).catch((error: Error) => {
      this.onEvent("shadow_flips_unrecorded", { count: batch.length, error: error.message });
    });
    await this.writing;
    this.writing = undefined;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.flush().catch(() => {});
  }
}

// ---- the candidate and its flips, in the store (migration 0006) -------------------------------

const { policyShadow, policyShadowFlips } = tables;

/** Run `versionId` in shadow beside the active version on live traffic (null: stop). */
export async function setShadow(
  database: Database,
  versionId: string | null,
  actor: string,
  apiKeyId: string | null = null,
): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.db.update(policyShadow).set({ versionId, setBy: actor, setAt: sql`now()` }).where(eq(policyShadow.id, 1));
    await recordChange(tx, {
      actor,
      apiKeyId,
      action: versionId ? "policy.shadow_start" : "policy.shadow_stop",
      target: versionId ? `PolicyVersion::${versionId}` : "PolicyShadow::1",
    });
  });
}

export interface ShadowFlip {
  shadowVersion: string;
  activeVersion: string;
  decisionId: string;
  activeDecision: "allow" | "deny";
  shadowDecision: "allow" | "deny";
  rule: string;
  request: unknown;
}

export async function recordShadowFlips(database: Database, flips: ShadowFlip[]): Promise<void> {
  if (flips.length === 0) return;
  await database.db.insert(policyShadowFlips).values(flips);
}

export interface ShadowReport {
  shadowVersion: string;
  flips: Array<{ direction: string; rule: string; count: number; example: string }>;
}

export async function shadowReport(database: Session, versionId: string): Promise<ShadowReport> {
  const flips = policyShadowFlips;
  const rows = await database.db
    .select({
      activeDecision: flips.activeDecision,
      shadowDecision: flips.shadowDecision,
      rule: flips.rule,
      count: count(),
      example: min(flips.decisionId),
    })
    .from(flips)
    .where(eq(flips.shadowVersion, versionId))
    .groupBy(flips.activeDecision, flips.shadowDecision, flips.rule)
    .orderBy(desc(count()), flips.rule);
  return {
    shadowVersion: versionId,
    flips: rows.map((r) => ({
      direction: `${r.activeDecision}->${r.shadowDecision}`,
      rule: r.rule,
      count: r.count,
      example: r.example ?? "",
    })),
  };
}
