import { randomBytes } from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { and, desc, eq, gte, inArray, isNull, lt, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import { type Decision, type DecisionRequest, deny, linkName } from "../decision/decision.js";
import { decisionRecordWindow } from "../decision/random-ids.js";
import { IdpTokenVerifier, type TrustedIssuer } from "../identity/idp-tokens.js";
import { defaultTokenAudience, type TokenAudience } from "../identity/token-audience.js";
import { CoalescedReload } from "./coalesced-reload.js";
import { ensureSigningKey, SigningKeyRing } from "./signing-keys.js";

/** What a PDP process needs for runtime trust, beyond policies and entitlements. */
export interface TrustOptions {
  /** Lifetime of an authorization artifact (default 60 s). */
  artifactTtlSeconds?: number;
  /** How long an approval may be decided and then used (default 24 h). */
  approvalTtlSeconds?: number;
  /** Protects private signing keys at rest (signing-keys.ts). */
  signingKeyPassphrase?: string | undefined;
  /** Rotate the signing key once it is this old (default 30 days); the old key stays published for the overlap. */
  signingKeyRotateAfterSeconds?: number;
  /** How long a rotated-out key stays published (default 1 h; at least the artifact lifetime). */
  signingKeyOverlapSeconds?: number;
  /** Issuer, audience and lifetime of PEA's run tokens (identity/run-tokens.ts). */
  tokens?: Partial<TokenAudience> | undefined;
  /** Identity providers whose delegation tokens PEA believes (identity/idp-tokens.ts). */
  trustedIssuers?: readonly TrustedIssuer[] | undefined;
}

export const revocationTargetTypes = ["Agent", "Run", "Intent", "Grant", "Artifact"] as const;
export type RevocationTargetType = (typeof revocationTargetTypes)[number];

/** A grant is an agent's hold on a delegated task; its id is "<agent>/<intent>". */
export const grantId = (agent: string, intent: string) => `${agent}/${intent}`;

const key = (type: string, id: string) => `${type}\u0000${id}`;

/**
 * Each PDP process's copy of the revocations and signing keys. Reloaded whenever the store says
 * they changed (NOTIFY "trust:<version>"), and updated at once by the process that makes a change,
 * so a revocation is effective here as soon as it is committed and elsewhere within the feed's
 * delivery time.
 */
export class TrustState {
  private revoked = new Set<string>();
  /** Unrevoked wall crossings by user: the issuer and when the crossing holds. */
  private crossings = new Map<string, Array<{ issuer: string; from: number; until: number }>>();
  private readonly pendingLocal = new Set<string>();
  ring = SigningKeyRing.empty();
  loaded = false;
  private readonly reloads = new CoalescedReload(() => this.reloadNow());
  readonly artifactTtlSeconds: number;
  readonly approvalTtlSeconds: number;
  readonly tokens: TokenAudience;
  readonly idp: IdpTokenVerifier;

  constructor(
    private readonly database: Database,
    readonly options: TrustOptions = {},
  ) {
    this.artifactTtlSeconds = options.artifactTtlSeconds ?? 60;
    this.approvalTtlSeconds = options.approvalTtlSeconds ?? 24 * 3600;
    this.tokens = { ...defaultTokenAudience, ...options.tokens };
    this.idp = new IdpTokenVerifier(options.trustedIssuers ?? [], this.tokens.audience);
  }

  isRevoked(type: RevocationTargetType, id: string): boolean {
    return this.revoked.has(key(type, id));
  }

  /** The issuers `user` holds an active wall crossing for at `now` (context.crossings). */
  crossingsOf(user: string | null, now: Date): Set<string> {
    const held = new Set<string>();
    const at = now.getTime();
    for (const c of (user !== null && this.crossings.get(user)) || [])
      if (c.from <= at && at < c.until) held.add(c.issuer);
    return held;
  }

  /** Read revocations, wall crossings and signing keys; make sure a signing key exists (rotating an old one). */
  async reloadNow(): Promise<void> {
    // Writing (create or rotate a key) only when this process's copy says it is needed.
    const rotateAfterSeconds = this.options.signingKeyRotateAfterSeconds ?? 30 * 24 * 3600;
    const active = this.ring.published.find((k) => k.kid === this.ring.active?.kid);
    if (!active || Date.now() - active.createdAt.getTime() >= rotateAfterSeconds * 1000) {
      await ensureSigningKey(this.database, {
        passphrase: this.options.signingKeyPassphrase,
        rotateAfterSeconds,
        overlapSeconds: Math.max(this.options.signingKeyOverlapSeconds ?? 3600, this.artifactTtlSeconds + 60),
      });
    }
    const { revoked, crossings, ring } = await this.database.transaction(
      async (s) => {
        const { revocations, wallCrossings } = tables;
        const rows = await s.db.select({ type: revocations.targetType, id: revocations.targetId }).from(revocations);
        const crossingRows = await s.db
          .select({
            userId: wallCrossings.userId,
            issuer: wallCrossings.issuer,
            grantedAt: wallCrossings.grantedAt,
            expiresAt: wallCrossings.expiresAt,
          })
          .from(wallCrossings)
          .where(isNull(wallCrossings.revokedAt));
        return {
          revoked: new Set(rows.map((r) => key(r.type, r.id))),
          crossings: crossingRows,
          ring: await SigningKeyRing.load(s, this.options.signingKeyPassphrase, this.ring),
        };
      },
      { readOnly: true },
    );
    // A revocation this process committed may be missing from a read that started before it:
    // keep it until a read shows it (revocations are permanent).
    for (const k of this.pendingLocal) {
      if (revoked.has(k)) this.pendingLocal.delete(k);
      else revoked.add(k);
    }
    this.revoked = revoked;
    const byUser = new Map<string, Array<{ issuer: string; from: number; until: number }>>();
    for (const c of crossings) {
      const list = byUser.get(c.userId) ?? [];
      list.push({ issuer: c.issuer, from: c.grantedAt.getTime(), until: c.expiresAt.getTime() });
      byUser.set(c.userId, list);
    }
    this.crossings = byUser;
    this.ring = ring;
    this.loaded = true;
  }

  /** Coalesce bursts: at most one reload in flight and one queued behind it. */
  reload(onError: (error: Error) => void): Promise<void> {
    return this.reloads.run(onError);
  }

  settled(): Promise<void> {
    return this.reloads.settled();
  }

  /** The revocation is committed: effective in this process at once. */
  noteRevoked(type: RevocationTargetType, id: string): void {
    const k = key(type, id);
    this.revoked.add(k);
    this.pendingLocal.add(k);
  }
}

/** The parts of a request a revocation can name. */
export type RevocableParts = Pick<DecisionRequest, "principal" | "chain" | "intent" | "run">;

/**
 * Deny a request whose agent, grant, task or run has been revoked. Checked before policy
 * evaluation (this process's copy) and again when an allow is written (the store's, holdsBroken).
 */
export function revocationDeny(request: RevocableParts, trust: Pick<TrustState, "isRevoked">): Decision | undefined {
  for (const link of [...request.chain, request.principal]) {
    if (link.type !== "Agent") continue;
    if (trust.isRevoked("Agent", link.id)) {
      return deny("principal_revoked", `${linkName(link)} has been revoked`, { link: linkName(link) });
    }
    if (request.intent !== undefined && trust.isRevoked("Grant", grantId(link.id, request.intent))) {
      return deny("principal_revoked", `${linkName(link)}'s grant of ${request.intent} has been revoked`, {
        link: linkName(link),
      });
    }
  }
  if (request.intent !== undefined && trust.isRevoked("Intent", request.intent)) {
    return deny("intent_scope", `the task ${request.intent} has been revoked`);
  }
  if (request.run !== undefined && trust.isRevoked("Run", request.run)) {
    return deny("run_inactive", `run ${request.run} has been revoked`);
  }
  return undefined;
}

export interface Actor {
  apiKeyId: string | null;
  userId: string | null;
}

export const actorName = (actor: Actor) =>
  actor.userId ? `User::${actor.userId}` : actor.apiKeyId ? `key:${actor.apiKeyId}` : "system";

export interface Revocation {
  id: string;
  target: { type: RevocationTargetType; id: string };
  reason: string;
  createdAt: string;
  by: string;
}

/** A revocation naming something the store does not hold (a typo must not look like a revocation). */
export class RevocationTargetError extends PeaError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("invalid_request", `${field}: ${message}`);
  }
}

// Where each kind of target lives; an artifact's id is the decision id of the allow that carried it.
const targetExists: Record<RevocationTargetType, (database: Session, id: string) => Promise<unknown[]>> = {
  Agent: (database, id) => {
    const { agents } = tables;
    return database.db.select({ id: agents.id }).from(agents).where(eq(agents.id, id));
  },
  Run: (database, id) => {
    const { runs } = tables;
    return database.db.select({ id: runs.id }).from(runs).where(eq(runs.id, id));
  },
  Intent: (database, id) => {
    const { intents } = tables;
    return database.db.select({ id: intents.id }).from(intents).where(eq(intents.id, id));
  },
  Grant: (database, id) => {
    const { agentIntents } = tables;
    const slash = id.indexOf("/");
    const [agent, intent] = slash < 0 ? [id, ""] : [id.slice(0, slash), id.slice(slash + 1)];
    return database.db
      .select({ agentId: agentIntents.agentId })
      .from(agentIntents)
      .where(and(eq(agentIntents.agentId, agent), eq(agentIntents.intentId, intent)));
  },
  Artifact: async (database, id) => {
    const { auditLog } = tables;
    const window = decisionRecordWindow(id);
    if (!window) return [];
    return database.db
      .select({ seq: auditLog.seq })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.ref, id),
          gte(auditLog.time, window.from),
          lt(auditLog.time, window.to),
          eq(auditLog.kind, "decision"),
          eq(auditLog.decision, "allow"),
          sql`${auditLog.record} ? 'artifactId'`,
        ),
      )
      .limit(1);
  },
};

/** Refuse a target the store does not hold, naming the field. */
export async function assertRevocationTarget(
  database: Session,
  target: { type: RevocationTargetType; id: string },
): Promise<void> {
  const found = await targetExists[target.type](database, target.id);
  if (found.length > 0) return;
  const what =
    target.type === "Grant"
      ? `no agent holds the grant "${target.id}" (a Grant id is "<agent>/<intent>")`
      : target.type === "Artifact"
        ? `no artifact "${target.id}" was issued (an artifact id is the decision id of an allow)`
        : `no ${target.type} "${target.id}"`;
  throw new RevocationTargetError("target.id", what);
}

/**
 * Revoke an agent, run, task, grant or artifact: from now on decisions about it deny, and
 * unredeemed artifacts naming it fail redemption. A revoked run is also cancelled. Recorded in the
 * audit log with who did it, in the same transaction.
 */
export async function revoke(
  database: Database,
  trust: TrustState,
  input: { target: { type: RevocationTargetType; id: string }; reason: string },
  actor: Actor,
): Promise<Revocation> {
  const id = `rev_${Date.now().toString(36)}${randomBytes(8).toString("hex")}`;
  const { target, reason } = input;
  const row = await database.transaction(async (tx) => {
    await assertRevocationTarget(tx, target);
    const { revocations, runs } = tables;
    const [inserted] = await tx.db
      .insert(revocations)
      .values({
        id,
        targetType: target.type,
        targetId: target.id,
        reason,
        apiKeyId: actor.apiKeyId,
        userId: actor.userId,
      })
      .returning({ createdAt: revocations.createdAt });
    if (target.type === "Run") {
      await tx.db
        .update(runs)
        .set({ status: "cancelled" })
        .where(and(eq(runs.id, target.id), inArray(runs.status, ["active", "paused"])));
    }
    await recordChange(tx, {
      actor: actorName(actor),
      apiKeyId: actor.apiKeyId,
      action: "revocation.create",
      target: `${target.type}::${target.id}`,
      run: target.type === "Run" ? target.id : undefined,
      detail: { revocationId: id, reason },
    });
    return inserted;
  });
  trust.noteRevoked(target.type, target.id);
  return {
    id,
    target,
    reason,
    createdAt: (row?.createdAt ?? new Date()).toISOString(),
    by: actorName(actor),
  };
}

const toRevocation = (r: typeof tables.revocations.$inferSelect): Revocation => ({
  id: r.id,
  target: { type: r.targetType as RevocationTargetType, id: r.targetId },
  reason: r.reason,
  createdAt: r.createdAt.toISOString(),
  by: actorName({ apiKeyId: r.apiKeyId, userId: r.userId }),
});

/** Revocations, newest first; `type` and `id` narrow to one kind of target or one target. */
export async function listRevocations(
  database: Session,
  options: { limit?: number; type?: RevocationTargetType | undefined; id?: string | undefined } = {},
): Promise<Revocation[]> {
  const { revocations } = tables;
  const rows = await database.db
    .select()
    .from(revocations)
    .where(
      and(
        options.type === undefined ? undefined : eq(revocations.targetType, options.type),
        options.id === undefined ? undefined : eq(revocations.targetId, options.id),
      ),
    )
    .orderBy(desc(revocations.createdAt), revocations.id)
    .limit(options.limit ?? 100);
  return rows.map(toRevocation);
}

/**
 * Which of `ids` (of one target type) are revoked, each with its first revocation: what the console
 * marks wherever an agent, grant, task or run appears.
 */
export async function revokedAmong(
  database: Session,
  type: RevocationTargetType,
  ids: readonly string[],
): Promise<Map<string, Revocation>> {
  if (ids.length === 0) return new Map();
  const { revocations } = tables;
  const rows = await database.db
    .select()
    .from(revocations)
    .where(and(eq(revocations.targetType, type), inArray(revocations.targetId, [...new Set(ids)])))
    .orderBy(revocations.createdAt, revocations.id);
  const revoked = new Map<string, Revocation>();
  for (const row of rows) if (!revoked.has(row.targetId)) revoked.set(row.targetId, toRevocation(row));
  return revoked;
}

/**
 * Revocation is final when it returns: every PDP's copy of the revocations catches up through the
 * change feed, some milliseconds later. So an allow is written only if what it was decided for is
 * still unrevoked in the store at the write, under the audit chain's head lock, which every
 * revocation and run supervision change takes too (recordChange): an allow is either ordered
 * before the revocation, or not written and answered as the deny it has become.
 */
interface Holds {
  /** revocations (target_type, target_id) that must not exist */
  types: string[];
  ids: string[];
  /** runs that must still be active */
  runs: string[];
}

/** An allow that was not written: what it was decided for was revoked (or its run stopped) first. */
export class RevokedBeforeRecorded extends Error {
  constructor(readonly denial: Decision) {
    super(denial.reasons[0]?.message ?? "revoked before the decision was recorded");
  }
}

/** The revocation targets of `requests` (each an allow about to be written) and their runs, once each. */
function holdsOf(requests: readonly RevocableParts[]): Holds {
  const targets = new Map<string, [string, string]>();
  const runs = new Set<string>();
  const add = (type: RevocationTargetType, id: string) => targets.set(key(type, id), [type, id]);
  for (const request of requests) {
    for (const link of [...request.chain, request.principal]) {
      if (link.type !== "Agent") continue;
      add("Agent", link.id);
      if (request.intent !== undefined) add("Grant", grantId(link.id, request.intent));
    }
    if (request.intent !== undefined) add("Intent", request.intent);
    if (request.run !== undefined) {
      add("Run", request.run);
      runs.add(request.run);
    }
  }
  const pairs = [...targets.values()];
  return { types: pairs.map(([t]) => t), ids: pairs.map(([, i]) => i), runs: [...runs] };
}

/**
 * SQL that is true while every allow among `requests` still holds (parameters from $`first`): a
 * guard for the optimistic append, which writes nothing when it is false (then holdsBroken decides).
 */
export function stillHolds(requests: readonly RevocableParts[], first: number): { sql: string; params: unknown[] } {
  const { types, ids, runs } = holdsOf(requests);
  return {
    sql: `NOT EXISTS (SELECT 1 FROM revocations WHERE (target_type, target_id) IN (SELECT * FROM unnest($${first}::text[], $${first + 1}::text[])))
      AND NOT EXISTS (SELECT 1 FROM runs WHERE id = ANY($${first + 2}::text[]) AND status <> 'active')`,
    params: [types, ids, runs],
  };
}

/** Per allow (undefined: not an allow): the deny it has become, if its target was revoked or its run stopped. */
export async function holdsBroken(
  tx: Session,
  requests: ReadonlyArray<RevocableParts | undefined>,
): Promise<Array<Decision | undefined>> {
  const allows = requests.filter((r): r is RevocableParts => r !== undefined);
  if (allows.length === 0) return requests.map(() => undefined);
  const { types, ids, runs } = holdsOf(allows);
  const revokedRows = await tx.query<{ target_type: string; target_id: string }>(
    "SELECT target_type, target_id FROM revocations WHERE (target_type, target_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
    [types, ids],
  );
  const stopped = new Map(
    (
      await tx.query<{ id: string; status: string }>(
        "SELECT id, status FROM runs WHERE id = ANY($1::text[]) AND status <> 'active'",
        [runs],
      )
    ).map((r) => [r.id, r.status]),
  );
  const revoked = new Set(revokedRows.map((r) => key(r.target_type, r.target_id)));
  const inStore = { isRevoked: (type: RevocationTargetType, id: string) => revoked.has(key(type, id)) };
  return requests.map((request) => {
    if (!request) return undefined;
    const denied = revocationDeny(request, inStore);
    if (denied) return denied;
    const status = request.run === undefined ? undefined : stopped.get(request.run);
    return status === undefined ? undefined : deny("run_inactive", `run ${request.run} is ${status}`);
  });
}
