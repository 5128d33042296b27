import { randomBytes } from "node:crypto";
import type { Database } from "@pea/migrations";
import type { EntityRef } from "@pea/schemas";
import { PeaError } from "@pea/schemas";
import { requestDigest } from "@pea/verifier";
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

interface ApprovalRow {
  id: string;
  status: ApprovalStatus;
  request_digest: string;
  principal: unknown;
  chain: unknown;
  intent: string | null;
  run_id: string | null;
  action: string;
  resource: unknown;
  context: unknown;
  requirements: unknown;
  decision_id: string | null;
  created_at: Date | string;
  expires_at: Date | string;
  decided_at: Date | string | null;
  reason: string | null;
  used_at: Date | string | null;
  used_by_decision: string | null;
  expired: boolean;
}

const columns = `id, status, request_digest, principal, chain, intent, run_id, action, resource, context, requirements,
  decision_id, created_at, expires_at, decided_at, reason, used_at, used_by_decision, expires_at <= now() AS expired`;

const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

function toApproval(row: ApprovalRow, votes: Approval["votes"] = []): Approval {
  const open = row.status === "pending" || row.status === "approved";
  return {
    id: row.id,
    // An undecided or unused approval past its time is expired, whether or not a sweep marked it.
    status: open && row.expired ? "expired" : row.status,
    requestDigest: row.request_digest,
    request: {
      principal: json(row.principal),
      chain: json(row.chain),
      intent: row.intent,
      run: row.run_id,
      action: row.action,
      resource: json(row.resource),
      context: json(row.context),
    },
    requirements: json(row.requirements),
    votes,
    decisionId: row.decision_id,
    createdAt: iso(row.created_at) as string,
    expiresAt: iso(row.expires_at) as string,
    decidedAt: iso(row.decided_at),
    reason: row.reason,
    usedAt: iso(row.used_at),
    usedByDecision: row.used_by_decision,
  };
}

/**
 * The approval for exactly this request: the open one (pending, or approved and not yet used) if
 * there is one, else a new pending one. Concurrent askers get the same approval.
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
 * action, resource and context (one digest over all of them). Once only.
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
  const rows = await database.query<{
    approval_id: string;
    user_id: string;
    vote: "approve" | "reject";
    reason: string | null;
    created_at: Date | string;
  }>(
    "SELECT approval_id, user_id, vote, reason, created_at FROM approval_votes WHERE approval_id = ANY($1::text[]) ORDER BY created_at",
    [ids],
  );
  for (const r of rows) {
    const list = out.get(r.approval_id) ?? [];
    list.push({ user: r.user_id, vote: r.vote, reason: r.reason, at: iso(r.created_at) as string });
    out.set(r.approval_id, list);
  }
  return out;
}

export async function getApproval(database: Database, id: string): Promise<Approval | undefined> {
  const [row] = await database.query<ApprovalRow>(`SELECT ${columns} FROM approvals WHERE id = $1`, [id]);
  if (!row) return undefined;
  return toApproval(row, (await votesOf(database, [id])).get(id));
}

export async function listApprovals(
  database: Database,
  options: { status?: ApprovalStatus | undefined; limit?: number } = {},
): Promise<Approval[]> {
  const limit = Math.min(options.limit ?? 100, 500);
  const status = options.status ?? null;
  // An open approval past its time is listed as expired (see toApproval).
  const rows = await database.query<ApprovalRow>(
    `SELECT ${columns} FROM approvals
     WHERE $2::text IS NULL
        OR ($2 IN ('pending', 'approved') AND status = $2 AND expires_at > now())
        OR ($2 = 'expired' AND (status = 'expired' OR (status IN ('pending', 'approved') AND expires_at <= now())))
        OR ($2 IN ('rejected', 'used') AND status = $2)
     ORDER BY created_at DESC LIMIT $1`,
    [limit, status],
  );
  const votes = await votesOf(
    database,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toApproval(r, votes.get(r.id)));
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
  const rows = await database.query<{ users: string[] }>(
    "SELECT users FROM object_duties WHERE object_type = $1 AND object_id = $2 AND duty = 'initiate' AND NOT undone",
    [resource.type, resource.id],
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
    const [row] = await tx.query<{ status: string; expired: boolean }>(
      "SELECT status, expires_at <= now() AS expired FROM approvals WHERE id = $1 FOR UPDATE",
      [id],
    );
    if (row?.status !== "pending" || row.expired) {
      throw new ApprovalError("conflict", `approval ${id} is no longer pending`);
    }
    const voted = await tx.query(
      "INSERT INTO approval_votes (approval_id, user_id, vote, reason, api_key_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING user_id",
      [id, userId, input.vote, input.reason ?? null, actor.apiKeyId],
    );
    if (voted.length === 0) throw new ApprovalError("conflict", `User::${userId} has already decided approval ${id}`);
    let status: ApprovalStatus = "pending";
    if (input.vote === "reject") {
      status = "rejected";
    } else {
      const approvers = (
        await tx.query<{ user_id: string }>(
          "SELECT user_id FROM approval_votes WHERE approval_id = $1 AND vote = 'approve'",
          [id],
        )
      ).map((r) => r.user_id);
      const satisfied = current.requirements.every(
        (r) => approvers.filter((u) => holdsGroup(snapshot, u, r.group)).length >= r.approvers,
      );
      if (satisfied) status = "approved";
    }
    if (status !== "pending") {
      await tx.query("UPDATE approvals SET status = $2, decided_at = now(), reason = $3 WHERE id = $1", [
        id,
        status,
        input.reason ?? null,
      ]);
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
