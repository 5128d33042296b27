import { randomBytes } from "node:crypto";
import { type Session, tables } from "@pea/migrations";
import type { ApiKeyScope } from "@pea/schemas";
import { desc, eq, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import { checkPasswordStrength, hashPassword, storePasswordHash } from "../identity/accounts.js";
import { insertApiKey } from "../identity/api-keys.js";
import { sameIdentity } from "../identity/same-identity.js";
import type { AdminAction, AdminTarget } from "./authorizer.js";
import {
  type AdminActor,
  type EntitlementAdminDeps,
  EntitlementError,
  keyIdOf,
  recordedActor,
  requireView,
} from "./context.js";

/**
 * Nobody becomes someone else: a credential bound to another person (their API key, their
 * password) takes two administrators. The first files a request (authorized as the change itself
 * would be); a second, different one approves it; the audit log names both.
 *
 * Delivery: a key request holds no secret. After the approval, the requester collects the key,
 * once: it is minted then and shown in that answer only, so no secret is ever stored or shown to
 * the approver. A password request holds only the scrypt hash of the password the requester
 * chose (they pass it on to its owner); the approval sets it, and its first sign-in can do
 * nothing but change it.
 */

/** How long a request waits for its approval and, for a key, its collection. */
export const CREDENTIAL_REQUEST_TTL_MS = 24 * 3600 * 1000;

export type CredentialRequestKind = "api_key" | "password";
export type CredentialRequestStatus = "pending" | "approved" | "rejected" | "issued" | "expired";

export interface CredentialRequestRow {
  id: string;
  kind: CredentialRequestKind;
  /** The person the credential is bound to. */
  subject: string;
  /** For a key: its name and scopes. */
  detail: { name?: string; scopes?: string[] };
  requestedBy: string;
  requestedAt: string;
  status: CredentialRequestStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  keyId: string | null;
  expiresAt: string;
}

/** A request waiting for a second administrator (what filing one answers). */
export interface PendingCredentialRequest {
  status: "pending";
  requestId: string;
  kind: CredentialRequestKind;
  subject: string;
  expiresAt: string;
}

/** The change each kind of request stands for, as PEA's admin policies see it. */
const authorityFor = (kind: CredentialRequestKind, subject: string): [AdminAction, AdminTarget] =>
  kind === "api_key"
    ? ["admin:key.write", { kind: "api-key", subject }]
    : ["admin:user.write", { kind: "password", subject }];

const { credentialRequests } = tables;
type Row = typeof credentialRequests.$inferSelect;

const expired = (row: Row) => row.expiresAt.getTime() <= Date.now();

function toRequest(row: Row): CredentialRequestRow {
  const open = row.status === "pending" || row.status === "approved";
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    detail: row.detail,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt.toISOString(),
    status: open && expired(row) ? "expired" : row.status,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt === null ? null : row.decidedAt.toISOString(),
    keyId: row.keyId,
    expiresAt: row.expiresAt.toISOString(),
  };
}

/** File a request for a credential bound to `subject`, someone other than the actor. */
async function fileRequest(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { kind: CredentialRequestKind; subject: string; detail?: Record<string, unknown>; passwordHash?: string },
): Promise<PendingCredentialRequest> {
  const [action, target] = authorityFor(input.kind, input.subject);
  await deps.authorizer.require(actor.userId, action, target);
  const id = `crq_${randomBytes(9).toString("base64url")}`;
  const expiresAt = new Date(Date.now() + CREDENTIAL_REQUEST_TTL_MS);
  await deps.database.transaction(async (tx) => {
    await tx.db.insert(credentialRequests).values({
      id,
      kind: input.kind,
      subject: input.subject,
      detail: input.detail ?? {},
      passwordHash: input.passwordHash ?? null,
      requestedBy: actor.userId,
      requestedVia: actor.via,
      expiresAt,
    });
    await recordChange(tx, {
      ...recordedActor(actor),
      action: "credential_request.create",
      target: `CredentialRequest::${id}`,
      detail: { kind: input.kind, subject: `User::${input.subject}`, ...input.detail, via: actor.via },
    });
  });
  return {
    status: "pending",
    requestId: id,
    kind: input.kind,
    subject: input.subject,
    expiresAt: expiresAt.toISOString(),
  };
}

/** A key bound to another person: filed for a second administrator's approval. */
export async function requestApiKeyFor(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { name: string; userId: string; scopes: ApiKeyScope[] },
): Promise<PendingCredentialRequest> {
  return fileRequest(deps, actor, {
    kind: "api_key",
    subject: input.userId,
    detail: { name: input.name, scopes: input.scopes },
  });
}

/** Another person's password: filed for a second administrator's approval (only its hash is kept). */
export async function requestPasswordFor(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  userId: string,
  password: string,
): Promise<PendingCredentialRequest> {
  checkPasswordStrength(password);
  return fileRequest(deps, actor, { kind: "password", subject: userId, passwordHash: await hashPassword(password) });
}

export async function listCredentialRequests(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
): Promise<CredentialRequestRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.db
    .select()
    .from(credentialRequests)
    .orderBy(desc(credentialRequests.requestedAt), credentialRequests.id)
    .limit(200);
  return rows.map(toRequest);
}

/** The request, locked for this transaction; refused unless it is still open. */
async function openRequest(tx: Session, id: string, wanted: Row["status"]): Promise<Row> {
  const [row] = await tx.db.select().from(credentialRequests).where(eq(credentialRequests.id, id)).for("update");
  if (!row) throw new EntitlementError("not_found", `credential request ${id} does not exist`);
  if (row.status !== wanted) throw new EntitlementError("conflict", `credential request ${id} is ${row.status}`);
  if (expired(row)) throw new EntitlementError("conflict", `credential request ${id} has expired`);
  return row;
}

async function requestRow(deps: EntitlementAdminDeps, id: string): Promise<Row> {
  const [row] = await deps.database.db.select().from(credentialRequests).where(eq(credentialRequests.id, id));
  if (!row) throw new EntitlementError("not_found", `credential request ${id} does not exist`);
  return row;
}

/** Record the decision on a request; a password's hash goes with it (it lives only until then). */
async function decide(tx: Session, id: string, status: "approved" | "issued" | "rejected", by: string): Promise<void> {
  await tx.db
    .update(credentialRequests)
    .set({ status, decidedBy: by, decidedAt: sql`now()`, passwordHash: null })
    .where(eq(credentialRequests.id, id));
}

/**
 * A second administrator approves: never the requester or the person the credential is for
 * (under any spelling), and only someone the admin policies allow to make the change itself.
 * A password takes effect now; a key waits for its requester to collect it.
 */
export async function approveCredentialRequest(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
): Promise<CredentialRequestRow> {
  const found = await requestRow(deps, id);
  const [action, target] = authorityFor(found.kind, found.subject);
  // The admin policies know only users in the store: an unknown approver is refused here.
  await deps.authorizer.require(actor.userId, action, target);
  if (sameIdentity(actor.userId, found.requestedBy)) {
    throw new EntitlementError("conflict", "four-eyes: a second administrator must approve; you filed this request");
  }
  if (sameIdentity(actor.userId, found.subject)) {
    throw new EntitlementError("conflict", "four-eyes: nobody approves a credential for themselves");
  }
  await deps.database.transaction(async (tx) => {
    const row = await openRequest(tx, id, "pending");
    const status = row.kind === "password" ? "issued" : "approved";
    await decide(tx, id, status, actor.userId);
    const both = { requestId: id, requestedBy: `User::${row.requestedBy}`, approvedBy: `User::${actor.userId}` };
    if (row.kind === "password" && row.passwordHash) {
      await storePasswordHash(tx, row.subject, row.passwordHash, {
        ...recordedActor(actor),
        detail: { ...both, via: actor.via },
        mustChange: true,
      });
    } else {
      await recordChange(tx, {
        ...recordedActor(actor),
        action: "credential_request.approve",
        target: `CredentialRequest::${id}`,
        detail: { ...both, kind: row.kind, subject: `User::${row.subject}`, via: actor.via },
      });
    }
  });
  return toRequest(await requestRow(deps, id));
}

/** Refuse a request (another administrator), or withdraw it (its requester). */
export async function rejectCredentialRequest(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
): Promise<CredentialRequestRow> {
  const found = await requestRow(deps, id);
  if (found.requestedBy !== actor.userId) {
    const [action, target] = authorityFor(found.kind, found.subject);
    await deps.authorizer.require(actor.userId, action, target);
  }
  await deps.database.transaction(async (tx) => {
    await openRequest(tx, id, "pending");
    await decide(tx, id, "rejected", actor.userId);
    await recordChange(tx, {
      ...recordedActor(actor),
      action: found.requestedBy === actor.userId ? "credential_request.withdraw" : "credential_request.reject",
      target: `CredentialRequest::${id}`,
      detail: { requestedBy: `User::${found.requestedBy}`, via: actor.via },
    });
  });
  return toRequest(await requestRow(deps, id));
}

/**
 * The requester collects an approved key: minted now, its secret in this answer only (once: the
 * request is then issued). Its audit record names the requester (the actor) and the approver.
 */
export async function collectApiKey(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
): Promise<{ id: string; key: string }> {
  return deps.database.transaction(async (tx) => {
    const row = await openRequest(tx, id, "approved");
    if (row.kind !== "api_key") throw new EntitlementError("invalid_request", `credential request ${id} is not a key`);
    if (row.requestedBy !== actor.userId) {
      throw new EntitlementError("conflict", "only the administrator who filed this request collects its key");
    }
    const detail = row.detail as { name: string; scopes: ApiKeyScope[] };
    const created = await insertApiKey(tx, {
      name: detail.name,
      kind: "user",
      userId: row.subject,
      scopes: detail.scopes,
      actor: `User::${actor.userId}`,
      actorKeyId: keyIdOf(actor),
      detail: {
        requestId: id,
        requestedBy: `User::${row.requestedBy}`,
        approvedBy: `User::${row.decidedBy}`,
        via: actor.via,
      },
    });
    // The request row is already locked by this transaction: marking it issued waits on nobody.
    await tx.db
      .update(credentialRequests)
      .set({ status: "issued", keyId: created.id })
      .where(eq(credentialRequests.id, id));
    return created;
  });
}
