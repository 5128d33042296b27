import { randomBytes } from "node:crypto";
import { type Database, tables } from "@pea/migrations";
import type { EntityRef } from "@pea/schemas";
import { PeaError } from "@pea/schemas";
import { requestDigest } from "@pea/verifier";
import { and, desc, eq, getTableColumns, gt, inArray, not, or, type SQL, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import type { ApprovalNeed, ApprovalRequirement, DecisionRequest } from "../decision/decision.js";
import type { Snapshot } from "../engine/snapshot.js";
import { type Actor, actorName } from "./revocations.js";

/**
 * Approvals: a human lifts an approval rule for one exact request, once.
 *
 * pending -> approved (enough distinct qualified approvers) -> used (by the one allow it buys)
 * pending -> rejected (any qualified approver) | expired (past expires_at, never decided)
 */
export const approvalStatuses = ["pending", "approved", "rejected", "expired", "used"] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

export interface Approval {
  id: string;
  status: ApprovalStatus;
  requestDigest: string;
  request: {
    principal: EntityRef;
    chain: EntityRef[];
    intent: string | null;
    run: string | null;
    action: string;
    resource: { type: string; id: string; attributes?: Record<string, unknown> };
    context: Record<string, unknown>;
  };
  requirements: ApprovalRequirement[];
  votes: Array<{ user: string; vote: "approve" | "reject"; reason: string | null; at: string }>;
  decisionId: string | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  reason: string | null;
  usedAt: string | null;
  usedByDecision: string | null;
}

export class ApprovalError extends PeaError {}

export const newApprovalId = () => `apr_${Date.now().toString(36)}${randomBytes(10).toString("hex")}`;

const { approvals, approvalVotes, objectDuties } = tables;

/** Past its time, by the store's clock (what the sweep and consumeApproval compare against). */
const pastExpiry = sql<boolean>`${approvals.expiresAt} <= now()`;
const columns = { ...getTableColumns(approvals), expired: pastExpiry };
type ApprovalRow = typeof approvals.$inferSelect & { expired: boolean };

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

function toApproval(row: ApprovalRow, votes: Approval["votes"] = []): Approval {
  const status = row.status as ApprovalStatus;
  const open = status === "pending" || status === "approved";
  return {
    id: row.id,
    // An undecided or unused approval past its time is expired, whether or not a sweep marked it.
    status: open && row.expired ? "expired" : status,
    requestDigest: row.requestDigest,
    request: {
      principal: row.principal as EntityRef,
      chain: row.chain as EntityRef[],
      intent: row.intent,
      run: row.runId,
      action: row.action,
      resource: row.resource as Approval["request"]["resource"],
      context: row.context as Record<string, unknown>,
    },
    requirements: row.requirements as ApprovalRequirement[],
    votes,
    decisionId: row.decisionId,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    decidedAt: iso(row.decidedAt),
    reason: row.reason,
    usedAt: iso(row.usedAt),
    usedByDecision: row.usedByDecision,
  };
}

/**
 * The approval for exactly this request: the open one (pending, or approved and not yet used) if
 * there is one, else a new pending one. Concurrent askers get the same approval.
 *
 * Raw statements, like consumeApproval: both run inside an authorize (decision/trust-steps.ts), where
 * drizzle costs per statement. A point read: Postgres 124 µs raw, 145 through drizzle's `sql`
 * template, 185 through its query builder; PGlite 152, 307, 350 µs (npm run bench:drizzle,
 * median of 7 alternating rounds × 2,000 calls).
 */
export async function openApproval(
  database: Database,
  request: DecisionRequest,
  need: ApprovalNeed,
  options: { decisionId: string; apiKeyId: string | null; ttlSeconds: number },
): Promise<string> {
  const digest = requestDigest(request);
  return database.transaction(async (tx) => {
    await tx.query(
      "UPDATE approvals SET status = 'expired' WHERE request_digest = $1 AND status IN ('pending', 'approved') AND expires_at <= now()",
      [digest],
    );
    await tx.query(
      `INSERT INTO approvals (id, status, request_digest, principal, chain, intent, run_id, action, resource, context,
         requirements, decision_id, api_key_id, expires_at)
       VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + make_interval(secs => $13))
       ON CONFLICT (request_digest) WHERE status IN ('pending', 'approved') DO NOTHING`,
      [
        newApprovalId(),
        digest,
        JSON.stringify({ type: request.principal.type, id: request.principal.id }),
        JSON.stringify(request.chain.map((l) => ({ type: l.type, id: l.id }))),
        request.intent ?? null,
        request.run ?? null,
        request.action,
        JSON.stringify(request.resource),
        JSON.stringify(request.context),
        JSON.stringify(need.requirements),
        options.decisionId,
        options.apiKeyId,
        options.ttlSeconds,
      ],
    );
    const [row] = await tx.query<{ id: string }>(
      "SELECT id FROM approvals WHERE request_digest = $1 AND status IN ('pending', 'approved')",
      [digest],
    );
    if (!row) throw new Error("the approval could not be opened");
    return row.id;
  });
}

/**
 * Spend an approved approval on the allow it was granted for: same principal, chain, intent,
 * action, resource and context (one digest over all of them). Once only. Raw on its success
 * path (see openApproval); a refused approval is read through getApproval, off the hot path.
 */
export async function consumeApproval(
  database: Database,
  id: string,
  request: DecisionRequest,
  decisionId: string,
): Promise<{ ok: true; approvers: string[] } | { ok: false; why: string }> {
  const digest = requestDigest(request);
  const used = await database.query<{ id: string }>(
    `UPDATE approvals SET status = 'used', used_at = now(), used_by_decision = $3
     WHERE id = $1 AND request_digest = $2 AND status = 'approved' AND expires_at > now() RETURNING id`,
    [id, digest, decisionId],
  );
  if (used.length > 0) {
    const votes = await database.query<{ user_id: string }>(
      "SELECT user_id FROM approval_votes WHERE approval_id = $1 AND vote = 'approve' ORDER BY created_at",
      [id],
    );
    return { ok: true, approvers: votes.map((v) => v.user_id) };
  }
  const found = await getApproval(database, id);
  if (!found) return { ok: false, why: `approval ${id} does not exist` };
  if (found.requestDigest !== digest) return { ok: false, why: `approval ${id} was granted for a different request` };
  switch (found.status) {
    case "used":
      return { ok: false, why: `approval ${id} has already been used` };
    case "pending":
      return { ok: false, why: `approval ${id} is still pending` };
    case "rejected":
      return { ok: false, why: `approval ${id} was rejected${found.reason ? `: ${found.reason}` : ""}` };
    default:
      return { ok: false, why: `approval ${id} has expired` };
  }
}

async function votesOf(database: Database, ids: string[]): Promise<Map<string, Approval["votes"]>> {
  const out = new Map<string, Approval["votes"]>();
  if (ids.length === 0) return out;
  const rows = await database.db
    .select()
    .from(approvalVotes)
    .where(inArray(approvalVotes.approvalId, ids))
    .orderBy(approvalVotes.createdAt);
  for (const r of rows) {
    const list = out.get(r.approvalId) ?? [];
    list.push({
      user: r.userId,
      vote: r.vote as "approve" | "reject",
      reason: r.reason,
      at: r.createdAt.toISOString(),
    });
    out.set(r.approvalId, list);
  }
  return out;
}

export async function getApproval(database: Database, id: string): Promise<Approval | undefined> {
  const [row] = await database.db.select(columns).from(approvals).where(eq(approvals.id, id));
  if (!row) return undefined;
  return toApproval(row, (await votesOf(database, [id])).get(id));
}

export async function listApprovals(
  database: Database,
  options: { status?: ApprovalStatus | undefined; limit?: number } = {},
): Promise<Approval[]> {
  const limit = Math.min(options.limit ?? 100, 500);
  const rows = await database.db
    .select(columns)
    .from(approvals)
    .where(options.status === undefined ? undefined : withStatus(options.status))
    .orderBy(desc(approvals.createdAt))
    .limit(limit);
  const votes = await votesOf(
    database,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toApproval(r, votes.get(r.id)));
}

/** Approvals listed under `status`: an open approval past its time is listed as expired (see toApproval). */
function withStatus(status: ApprovalStatus): SQL | undefined {
  const open = inArray(approvals.status, ["pending", "approved"]);
  switch (status) {
    case "pending":
    case "approved":
      return and(eq(approvals.status, status), gt(approvals.expiresAt, sql`now()`));
    case "expired":
      return or(eq(approvals.status, "expired"), and(open, pastExpiry));
    case "rejected":
    case "used":
      return eq(approvals.status, status);
  }
}

/** Users who may never approve this request: every user in it and every owner of an agent in it. */
export function conflictedUsers(request: Approval["request"], snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const link of [...request.chain, request.principal]) {
    if (link.type === "User") out.add(link.id);
    if (link.type === "Agent") {
      const owner = snapshot.get("Agent", link.id)?.attrs.owner as { __entity?: { id?: string } } | undefined;
      if (owner?.__entity?.id) out.add(owner.__entity.id);
    }
  }
  return out;
}

/**
 * Who initiated a business object, from the duties PEA records on every allow (object_duties,
 * history.ts): the users of each allowed "initiate" (a human directly or the human an agent acted for).
 */
export async function initiatorsOf(database: Database, resource: { type: string; id: string }): Promise<string[]> {
  const rows = await database.db
    .select({ users: objectDuties.users })
    .from(objectDuties)
    .where(
      and(
        eq(objectDuties.objectType, resource.type),
        eq(objectDuties.objectId, resource.id),
        eq(objectDuties.duty, "initiate"),
        not(objectDuties.undone),
      ),
    );
  return [...new Set(rows.flatMap((r) => r.users))];
}

function holdsGroup(snapshot: Snapshot, userId: string, group: string): boolean {
  const user = snapshot.get("User", userId);
  if (!user) return false;
  return snapshot.closure(user).some((e) => {
    const uid = e.uid as { type: string; id: string };
    return uid.type === "Group" && uid.id === group;
  });
}

export interface ApprovalVoteInput {
  vote: "approve" | "reject";
  reason?: string | undefined;
}

/**
 * A human decides an approval. The approver is the user the API key is bound to; they must be
 * active, hold one of the groups the approval rules name, and be neither the requester, nor anyone
 * in its chain (an agent counts as its owner), nor the initiator of the business object. Each
 * approver counts once. Rejecting needs the same qualifications.
 */
export async function voteOnApproval(
  database: Database,
  snapshot: Snapshot,
  id: string,
  input: ApprovalVoteInput,
  actor: Actor,
): Promise<Approval> {
  const userId = actor.userId;
  if (!userId)
    throw new ApprovalError("forbidden", "only a person can decide an approval: use an API key bound to a user");
  const current = await getApproval(database, id);
  if (!current) throw new ApprovalError("not_found", `approval ${id} does not exist`);
  if (current.status !== "pending") throw new ApprovalError("conflict", `approval ${id} is ${current.status}`);

  const user = snapshot.get("User", userId);
  if (user?.attrs.status !== "active") throw new ApprovalError("forbidden", `User::${userId} is not an active user`);
  if (conflictedUsers(current.request, snapshot).has(userId)) {
    throw new ApprovalError(
      "forbidden",
      "separation of duties: the requester and anyone in its chain cannot approve it",
    );
  }
  if ((await initiatorsOf(database, current.request.resource)).includes(userId)) {
    throw new ApprovalError(
      "forbidden",
      "separation of duties: the initiator of the business object cannot approve it",
    );
  }
  const groups = [...new Set(current.requirements.map((r) => r.group))];
  if (!groups.some((g) => holdsGroup(snapshot, userId, g))) {
    throw new ApprovalError("forbidden", `User::${userId} holds none of the approver groups (${groups.join(", ")})`);
  }

  await database.transaction(async (tx) => {
    const [row] = await tx.db
      .select({ status: approvals.status, expired: pastExpiry })
      .from(approvals)
      .where(eq(approvals.id, id))
      .for("update");
    if (row?.status !== "pending" || row.expired) {
      throw new ApprovalError("conflict", `approval ${id} is no longer pending`);
    }
    const voted = await tx.db
      .insert(approvalVotes)
      .values({ approvalId: id, userId, vote: input.vote, reason: input.reason ?? null, apiKeyId: actor.apiKeyId })
      .onConflictDoNothing()
      .returning({ userId: approvalVotes.userId });
    if (voted.length === 0) throw new ApprovalError("conflict", `User::${userId} has already decided approval ${id}`);
    let status: ApprovalStatus = "pending";
    if (input.vote === "reject") {
      status = "rejected";
    } else {
      const approvers = (
        await tx.db
          .select({ userId: approvalVotes.userId })
          .from(approvalVotes)
          .where(and(eq(approvalVotes.approvalId, id), eq(approvalVotes.vote, "approve")))
      ).map((r) => r.userId);
      const satisfied = current.requirements.every(
        (r) => approvers.filter((u) => holdsGroup(snapshot, u, r.group)).length >= r.approvers,
      );
      if (satisfied) status = "approved";
    }
    if (status !== "pending") {
      await tx.db
        .update(approvals)
        .set({ status, decidedAt: sql`now()`, reason: input.reason ?? null })
        .where(eq(approvals.id, id));
    }
    await recordChange(tx, {
      actor: actorName(actor),
      apiKeyId: actor.apiKeyId,
      action: input.vote === "approve" ? "approval.approve" : "approval.reject",
      target: `Approval::${id}`,
      run: current.request.run ?? undefined,
      detail: { status, reason: input.reason ?? null, requestDigest: current.requestDigest },
    });
  });
  return (await getApproval(database, id)) as Approval;
}
