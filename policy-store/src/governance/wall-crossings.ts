import { randomBytes } from "node:crypto";
import { type Database, tables } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { and, desc, eq, isNull } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import type { Snapshot } from "../engine/snapshot.js";
import type { TrustState } from "../trust/revocations.js";

/**
 * Wall crossings: a compliance officer brings a named person over the information barrier for one
 * issuer, with a reason, until an expiry. While active, PEA lists the issuer in
 * `context.crossings` for decisions made on that person's behalf (policies decide what it opens,
 * e.g. bank.segment-wall). A crossing ends by itself at its expiry and can be revoked earlier.
 *
 * Who may grant or revoke: a user in Group::"compliance" (directly or through nested groups),
 * never for themselves. The PDP route takes that user from the API key (keys created with --user).
 */
export const COMPLIANCE_GROUP = "compliance";
export const MAX_CROSSING_SECONDS = 90 * 24 * 3600;

export class WallCrossingError extends PeaError {
  declare readonly code: "forbidden" | "not_found" | "invalid_request" | "conflict";
  constructor(code: "forbidden" | "not_found" | "invalid_request" | "conflict", message: string) {
    super(code, message);
  }
}

export interface WallCrossing {
  id: string;
  user: string;
  issuer: string;
  reason: string;
  grantedBy: string;
  grantedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}

const { wallCrossings } = tables;
type Row = typeof wallCrossings.$inferSelect;

const toCrossing = (r: Row, now: Date): WallCrossing => ({
  id: r.id,
  user: r.userId,
  issuer: r.issuer,
  reason: r.reason,
  grantedBy: r.grantedBy,
  grantedAt: r.grantedAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  revokedAt: r.revokedAt === null ? null : r.revokedAt.toISOString(),
  revokedBy: r.revokedBy,
  active: r.revokedAt === null && r.expiresAt.getTime() > now.getTime(),
});

/** Whether `userId` is a compliance officer in this snapshot. */
export function isComplianceOfficer(snapshot: Snapshot, userId: string | null | undefined): boolean {
  if (!userId) return false;
  const user = snapshot.get("User", userId);
  if (!user || (user.attrs as { status?: string }).status !== "active") return false;
  return snapshot.closure(user).some((e) => {
    const uid = e.uid as { type: string; id: string };
    return uid.type === "Group" && uid.id === COMPLIANCE_GROUP;
  });
}

/** Issuers registered as entities, or named by a resource's attributes (deal-db's issuers). */
export function knownIssuers(snapshot: Snapshot): string[] {
  const registered = snapshot.ofType("Issuer").map((e) => (e.uid as { id: string }).id);
  return [...new Set([...registered, ...snapshot.referencedIds("Issuer")])].sort();
}

const isKnownIssuer = (snapshot: Snapshot, issuer: string) =>
  snapshot.has("Issuer", issuer) || snapshot.referencedIds("Issuer").has(issuer);

export interface GrantCrossingInput {
  user: string;
  issuer: string;
  reason: string;
  ttlSeconds: number;
}

export interface CrossingDeps {
  database: Database;
  snapshot: Snapshot;
  now: Date;
  /** This process's copy of the crossings (trust.ts), refreshed once a change commits; others follow the change feed. */
  trust?: TrustState | undefined;
}

/** The acting compliance officer's id, or a refusal naming who may `verb` a crossing. */
function mustBeOfficer(deps: CrossingDeps, by: string | null, verb: "grant" | "revoke"): string {
  if (by === null || !isComplianceOfficer(deps.snapshot, by)) {
    throw new WallCrossingError("forbidden", `only a user in Group::"${COMPLIANCE_GROUP}" may ${verb} a wall crossing`);
  }
  return by;
}

/** Make a committed change effective in this process at once (a failed reload is retried by the change feed). */
async function refresh(deps: CrossingDeps): Promise<void> {
  await deps.trust?.reload(() => {});
}

/** Grant a crossing; `by` is the compliance officer's user id, `apiKeyId` the key they used (if any). */
export async function grantWallCrossing(
  deps: CrossingDeps,
  input: GrantCrossingInput,
  by: string | null,
  apiKeyId: string | null = null,
): Promise<WallCrossing> {
  const officer = mustBeOfficer(deps, by, "grant");
  if (by === input.user) throw new WallCrossingError("forbidden", "nobody may bring themselves over the wall");
  if (!deps.snapshot.get("User", input.user)) {
    throw new WallCrossingError("invalid_request", `user: no User "${input.user}"`);
  }
  if (!isKnownIssuer(deps.snapshot, input.issuer)) {
    const known = knownIssuers(deps.snapshot).slice(0, 20).join(", ");
    throw new WallCrossingError(
      "invalid_request",
      `issuer: no Issuer "${input.issuer}" is registered or named by a resource${known ? ` (known: ${known})` : ""}`,
    );
  }
  if (input.reason.trim().length === 0) throw new WallCrossingError("invalid_request", "reason: required");
  const ttl = Math.min(Math.max(1, Math.floor(input.ttlSeconds)), MAX_CROSSING_SECONDS);
  const expiresAt = new Date(deps.now.getTime() + ttl * 1000);
  const id = `wx_${Date.now().toString(36)}${randomBytes(8).toString("hex")}`;
  const row = await deps.database.transaction(async (tx) => {
    const [inserted] = await tx.db
      .insert(wallCrossings)
      .values({
        id,
        userId: input.user,
        issuer: input.issuer,
        reason: input.reason,
        grantedBy: officer,
        grantedAt: deps.now,
        expiresAt,
      })
      .returning();
    await recordChange(tx, {
      actor: `User::${by}`,
      apiKeyId,
      action: "wall_crossing.grant",
      target: `WallCrossing::${id}`,
      detail: { user: input.user, issuer: input.issuer, reason: input.reason, expiresAt: expiresAt.toISOString() },
    });
    return inserted;
  });
  await refresh(deps);
  return toCrossing(row as Row, deps.now);
}

/** Revoke a crossing before its expiry. */
export async function revokeWallCrossing(
  deps: CrossingDeps,
  id: string,
  by: string | null,
  apiKeyId: string | null = null,
): Promise<WallCrossing> {
  mustBeOfficer(deps, by, "revoke");
  const row = await deps.database.transaction(async (tx) => {
    const [updated] = await tx.db
      .update(wallCrossings)
      .set({ revokedAt: deps.now, revokedBy: by })
      .where(and(eq(wallCrossings.id, id), isNull(wallCrossings.revokedAt)))
      .returning();
    if (updated) {
      await recordChange(tx, {
        actor: `User::${by}`,
        apiKeyId,
        action: "wall_crossing.revoke",
        target: `WallCrossing::${id}`,
      });
    }
    return updated;
  });
  if (row) {
    await refresh(deps);
    return toCrossing(row, deps.now);
  }
  const [existing] = await deps.database.db
    .select({ id: wallCrossings.id })
    .from(wallCrossings)
    .where(eq(wallCrossings.id, id));
  if (!existing) throw new WallCrossingError("not_found", `no wall crossing ${id}`);
  throw new WallCrossingError("conflict", `wall crossing ${id} was already revoked`);
}

/** Crossings, newest first; `user` narrows to one person. */
export async function listWallCrossings(
  database: Database,
  options: { user?: string | undefined; now: Date },
): Promise<WallCrossing[]> {
  const rows = await database.db
    .select()
    .from(wallCrossings)
    .where(options.user === undefined ? undefined : eq(wallCrossings.userId, options.user))
    .orderBy(desc(wallCrossings.grantedAt), wallCrossings.id)
    .limit(500);
  return rows.map((r) => toCrossing(r, options.now));
}
