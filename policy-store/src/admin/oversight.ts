import { type Database, tables } from "@pea/migrations";
import { type ErrorCode, errorStatus, PeaError } from "@pea/schemas";
import { and, desc, eq, not, sql } from "drizzle-orm";
import { type AuditQuery, buildLineage, queryAudit } from "../audit/query.js";
import { declareSodConflict } from "../governance/sod.js";
import { grantWallCrossing, listWallCrossings, revokeWallCrossing } from "../governance/wall-crossings.js";
import { activationHistory, listVersions } from "../policy/versions.js";
import { type ApprovalStatus, listApprovals, voteOnApproval } from "../trust/approvals.js";
import {
  listRevocations,
  type RevocationTargetType,
  revoke,
  revokedAmong,
  type TrustState,
} from "../trust/revocations.js";
import { describeRun, getRun, type RunStatus } from "../trust/runs.js";
import { type SupervisionAction, superviseRun } from "../trust/supervision.js";
import type { AdminAuthorizer } from "./authorizer.js";
import { consoleOverview } from "./console-overview.js";
import { EntitlementError, keyIdOf, mustExist, type AdminActor as Who } from "./context.js";

/**
 * The admin app's oversight work: SoD conflicts, wall crossings, the approvals queue, run
 * supervision, audit search and policy versions. Each function first asks PEA's admin policies
 * (policies/admin/) whether the signed-in person may do it, then calls the one function that owns
 * the work (sod.ts, wall-crossings.ts, approvals.ts, supervision.ts, audit-query.ts,
 * policy-versions.ts), which keeps its own checks (compliance only, no self-approval ...).
 */

const actorOf = (who: Who) => ({ userId: who.userId, apiKeyId: keyIdOf(who) });

export interface RunRow {
  id: string;
  principal: string;
  chain: string[];
  intent: string;
  purpose: string | null;
  status: string;
  createdAt: string;
  expiresAt: string;
}

export class AdminOversight {
  constructor(private readonly deps: { database: Database; authorizer: AdminAuthorizer; now?: () => Date }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private get database(): Database {
    return this.deps.database;
  }

  // ---- separation of duties --------------------------------------------------------------------

  async listSodConflicts(who: Who): Promise<Array<{ a: string; b: string; description: string }>> {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    const { sodConflicts } = tables;
    return this.database.db
      .select({ a: sodConflicts.groupA, b: sodConflicts.groupB, description: sodConflicts.description })
      .from(sodConflicts)
      .orderBy(sodConflicts.groupA, sodConflicts.groupB);
  }

  async declareSodConflict(who: Who, input: { a: string; b: string; description?: string | undefined }): Promise<void> {
    await this.deps.authorizer.require(who.userId, "admin:sod.write", { kind: "sod-conflict" });
    for (const g of [input.a, input.b]) await mustExist(this.database, "Group", g);
    if (input.a === input.b) throw new EntitlementError("invalid_request", "a group does not conflict with itself");
    await declareSodConflict(this.database, { ...input, declaredBy: `User::${who.userId}`, apiKeyId: keyIdOf(who) });
  }

  // ---- wall crossings --------------------------------------------------------------------------

  async listWallCrossings(who: Who) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    return listWallCrossings(this.database, { now: this.now() });
  }

  async grantWallCrossing(who: Who, input: { user: string; issuer: string; reason: string; ttlSeconds: number }) {
    await this.deps.authorizer.require(who.userId, "admin:wall.cross", { kind: "wall-crossing", subject: input.user });
    if (!input.issuer.trim()) throw new EntitlementError("invalid_request", "issuer: required");
    if (!Number.isFinite(input.ttlSeconds) || input.ttlSeconds < 1) {
      throw new EntitlementError("invalid_request", "ttlSeconds: at least 1");
    }
    const snapshot = await this.deps.authorizer.freshSnapshot();
    // grantWallCrossing records the change in the audit log itself.
    return grantWallCrossing(
      { database: this.database, snapshot, now: this.now() },
      { ...input, issuer: input.issuer.trim() },
      who.userId,
      keyIdOf(who),
    );
  }

  async revokeWallCrossing(who: Who, id: string) {
    const { wallCrossings } = tables;
    const [row] = await this.database.db
      .select({ userId: wallCrossings.userId })
      .from(wallCrossings)
      .where(eq(wallCrossings.id, id));
    if (!row) throw new EntitlementError("not_found", `wall crossing ${id} does not exist`);
    await this.deps.authorizer.require(who.userId, "admin:wall.cross", { kind: "wall-crossing", subject: row.userId });
    const snapshot = await this.deps.authorizer.freshSnapshot();
    return revokeWallCrossing({ database: this.database, snapshot, now: this.now() }, id, who.userId, keyIdOf(who));
  }

  // ---- approvals -------------------------------------------------------------------------------

  async listApprovals(who: Who, status?: ApprovalStatus | undefined) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    return listApprovals(this.database, { status, limit: 200 });
  }

  async decideApproval(who: Who, id: string, vote: "approve" | "reject", reason?: string | undefined) {
    await this.deps.authorizer.require(who.userId, "admin:approval.decide", { kind: "approval" });
    if (vote === "reject" && !reason?.trim()) {
      throw new EntitlementError("invalid_request", "reason: say why you reject it");
    }
    const snapshot = await this.deps.authorizer.freshSnapshot();
    return voteOnApproval(this.database, snapshot, id, { vote, reason: reason?.trim() || undefined }, actorOf(who));
  }

  // ---- runs ------------------------------------------------------------------------------------

  async listRuns(
    who: Who,
    options: { status?: RunStatus | undefined; agent?: string | undefined } = {},
  ): Promise<RunRow[]> {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    const { runs } = tables;
    const rows = await this.database.db
      .select()
      .from(runs)
      .where(
        and(
          options.status === undefined ? undefined : eq(runs.status, options.status),
          options.agent === undefined ? undefined : sql`${runs.principal} ->> 'id' = ${options.agent}`,
        ),
      )
      .orderBy(desc(runs.createdAt))
      .limit(500);
    return rows.map((r) => {
      const expired = r.expiresAt.getTime() <= this.now().getTime();
      return {
        id: r.id,
        principal: `${r.principal.type}::${r.principal.id}`,
        chain: r.chain.map((c) => `${c.type}::${c.id}`),
        intent: r.intent,
        purpose: r.purpose,
        status: r.status === "active" && expired ? "expired" : r.status,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
      };
    });
  }

  /** A run and its timeline (the audit lineage). */
  async runTimeline(who: Who, id: string) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    const run = await getRun(this.database, id);
    const lineage = await buildLineage(this.database, id);
    if (!run && !lineage) throw new EntitlementError("not_found", `run ${id} does not exist`);
    return { run: run ? describeRun(run) : null, lineage };
  }

  async superviseRun(who: Who, id: string, action: SupervisionAction, reason?: string | undefined) {
    await this.deps.authorizer.require(who.userId, "admin:run.control", { kind: "run" });
    return describeRun(await superviseRun(this.database, id, action, actorOf(who), reason));
  }

  // ---- audit and policies ----------------------------------------------------------------------

  async searchAudit(who: Who, query: AuditQuery) {
    await this.deps.authorizer.require(who.userId, "admin:audit.read", { kind: "audit" });
    return queryAudit(this.database, query);
  }

  // ---- overview, revocations, a person's activity ---------------------------------------------

  /** The landing page's numbers (console-overview.ts). */
  async overview(who: Who) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    return consoleOverview(this.database, { now: this.now() });
  }

  async listRevocations(who: Who, options: { type?: RevocationTargetType | undefined; limit?: number } = {}) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    return listRevocations(this.database, { limit: 200, ...options });
  }

  /** Which of `ids` are revoked, to mark them wherever they are listed. */
  async revokedAmong(who: Who, type: RevocationTargetType, ids: readonly string[]) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    return revokedAmong(this.database, type, ids);
  }

  /**
   * Revoke an agent, run, task, grant or artifact (trust.ts revoke: the target must exist). Whoever
   * may stop a run may revoke: it is the same power over what agents do next.
   */
  async revoke(
    who: Who,
    input: { target: { type: RevocationTargetType; id: string }; reason: string },
    trust: TrustState,
  ) {
    await this.deps.authorizer.require(who.userId, "admin:run.control", { kind: "run" });
    if (!input.reason.trim()) throw new EntitlementError("invalid_request", "reason: say why");
    return revoke(this.database, trust, { ...input, reason: input.reason.trim() }, actorOf(who));
  }

  /** A person's wall crossings and what was recently touched on their behalf (history). */
  async personActivity(who: Who, user: string) {
    await this.deps.authorizer.require(who.userId, "admin:view", { kind: "console" });
    const crossings = await listWallCrossings(this.database, { user, now: this.now() });
    const { touches } = tables;
    const touched = await this.database.db
      .select({
        decisionId: touches.decisionId,
        at: touches.at,
        run: touches.runId,
        agents: touches.agents,
        labels: touches.labels,
      })
      .from(touches)
      .where(and(eq(touches.human, user), not(touches.undone)))
      .orderBy(desc(touches.at))
      .limit(50);
    return { crossings, touches: touched.map((t) => ({ ...t, at: t.at.toISOString() })) };
  }

  async policyVersions(who: Who) {
    await this.deps.authorizer.require(who.userId, "admin:policy.read", { kind: "policy" });
    const [versions, activations] = await Promise.all([
      listVersions(this.database, 50),
      activationHistory(this.database, 50),
    ]);
    return { versions, activations, active: activations[0]?.versionId };
  }
}

/** What a refusal from any admin-reachable function means over HTTP, or undefined if it is a fault. */
export function refusalOf(
  error: unknown,
): { status: (typeof errorStatus)[ErrorCode]; code: ErrorCode; message: string } | undefined {
  if (error instanceof PeaError) return { status: errorStatus[error.code], code: error.code, message: error.message };
  return undefined;
}
