import { randomBytes } from "node:crypto";
import type { Database } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
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

interface Row {
  id: string;
  user_id: string;
  issuer: string;
  reason: string;
  granted_by: string;
  granted_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

const iso = (v: Date | string) => new Date(v).toISOString();
const toCrossing = (r: Row, now: Date): WallCrossing => ({
  id: r.id,
  user: r.user_id,
  issuer: r.issuer,
  reason: r.reason,
  grantedBy: r.granted_by,
  grantedAt: iso(r.granted_at),
  expiresAt: iso(r.expires_at),
  revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
  revokedBy: r.revoked_by,
  active: r.revoked_at === null && new Date(r.expires_at).getTime() > now.getTime(),
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
  if (!isComplianceOfficer(deps.snapshot, by)) {
    throw new WallCrossingError("forbidden", `only a user in Group::"${COMPLIANCE_GROUP}" may grant a wall crossing`);
  }
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
    const [inserted] = await tx.query<Row>(
      `INSERT INTO wall_crossings (id, user_id, issuer, reason, granted_by, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [id, input.user, input.issuer, input.reason, by, deps.now.toISOString(), expiresAt.toISOString()],
    );
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
  if (!isComplianceOfficer(deps.snapshot, by)) {
    throw new WallCrossingError("forbidden", `only a user in Group::"${COMPLIANCE_GROUP}" may revoke a wall crossing`);
  }
  const row = await deps.database.transaction(async (tx) => {
    const [updated] = await tx.query<Row>(
      "UPDATE wall_crossings SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING *",
      [id, deps.now.toISOString(), by],
    );
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
  const [existing] = await deps.database.query<Row>("SELECT * FROM wall_crossings WHERE id = $1", [id]);
  if (!existing) throw new WallCrossingError("not_found", `no wall crossing ${id}`);
  throw new WallCrossingError("conflict", `wall crossing ${id} was already revoked`);
}

/** Crossings, newest first; `user` narrows to one person. */
export async function listWallCrossings(
  database: Database,
  options: { user?: string | undefined; now: Date },
): Promise<WallCrossing[]> {
  const rows = await database.query<Row>(
    `SELECT * FROM wall_crossings WHERE ($1::text IS NULL OR user_id = $1) ORDER BY granted_at DESC, id LIMIT 500`,
    [options.user ?? null],
  );
  return rows.map((r) => toCrossing(r, options.now));
}
