// Published policy versions: immutable, content-addressed, signed (Ed25519); which one is active;
// activation with optional four-eyes approval; rollback. Shadow mode lives in shadow.ts. Tables: migration 0006.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import { desc, eq, sql } from "drizzle-orm";
import { canonicalJson, recordChange } from "../audit/chain.js";
import { sameIdentity } from "../identity/same-identity.js";
import { contentHashOf, versionIdOf } from "./content-id.js";
import type { PolicySource } from "./types.js";

export { contentHashOf, versionIdOf };

export interface VersionSummary {
  id: string;
  contentHash: string;
  policyCount: number;
  gitCommit: string | null;
  author: string;
  message: string;
  /** ISO-8601 UTC with milliseconds, exactly as signed. */
  createdAt: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

export interface PublishedVersion extends VersionSummary {
  files: PolicySource[];
}

export interface Activation {
  seq: number;
  versionId: string;
  kind: "activate" | "rollback";
  requestedBy: string;
  approvedBy: string | null;
  createdAt: string;
}

export class PolicyVersionError extends PeaError {
  constructor(message: string, code: ErrorCode = "conflict") {
    super(code, message);
  }
}

// ---- signing --------------------------------------------------------------------------------

export interface SigningKey {
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  privateKey: KeyObject;
}

/** A new Ed25519 private key as PKCS#8 PEM. */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

export function keyIdOf(publicKey: string): string {
  return `ed25519:${createHash("sha256").update(Buffer.from(publicKey, "base64")).digest("hex").slice(0, 16)}`;
}

export function loadSigningKey(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new PolicyVersionError("the policy signing key must be Ed25519");
  const publicKey = createPublicKey(privateKey).export({ type: "spki", format: "der" }).toString("base64");
  return { keyId: keyIdOf(publicKey), publicKey, privateKey };
}

function signedPayload(v: Omit<VersionSummary, "keyId" | "publicKey" | "signature" | "policyCount">): Buffer {
  return Buffer.from(
    canonicalJson({
      id: v.id,
      contentHash: v.contentHash,
      gitCommit: v.gitCommit,
      author: v.author,
      message: v.message,
      createdAt: v.createdAt,
    }),
  );
}

/**
 * Check a stored version before anything serves it: the files hash to its id, the signature
 * verifies with its key, and (when a trust list is configured) the key is trusted.
 * Returns the problem, or undefined when the version is sound.
 */
export function verifyVersion(version: PublishedVersion, trustedKeyIds?: readonly string[]): string | undefined {
  const hash = contentHashOf(version.files);
  if (hash !== version.contentHash || versionIdOf(hash) !== version.id) {
    return `policy version ${version.id}: its files do not match its content hash`;
  }
  if (keyIdOf(version.publicKey) !== version.keyId)
    return `policy version ${version.id}: key id does not match its key`;
  let valid = false;
  try {
    const key = createPublicKey({ key: Buffer.from(version.publicKey, "base64"), format: "der", type: "spki" });
    valid = verify(null, signedPayload(version), key, Buffer.from(version.signature, "base64"));
  } catch {
    valid = false;
  }
  if (!valid) return `policy version ${version.id}: the signature does not verify`;
  if (trustedKeyIds && trustedKeyIds.length > 0 && !trustedKeyIds.includes(version.keyId)) {
    return `policy version ${version.id}: signed by ${version.keyId}, which is not a trusted policy key`;
  }
  return undefined;
}

// ---- versions -------------------------------------------------------------------------------

const { policyVersions, policySettings, policyActivations, policyActivationRequests, policyShadow, users } = tables;

/** A version's columns but its files (a listing need not carry every policy text). */
const summaryColumns = {
  id: policyVersions.id,
  contentHash: policyVersions.contentHash,
  policyCount: policyVersions.policyCount,
  gitCommit: policyVersions.gitCommit,
  author: policyVersions.author,
  message: policyVersions.message,
  createdAt: policyVersions.createdAt,
  keyId: policyVersions.keyId,
  publicKey: policyVersions.publicKey,
  signature: policyVersions.signature,
};

const toSummary = (row: Omit<typeof policyVersions.$inferSelect, "files">): VersionSummary => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

export interface PublishInput {
  sources: PolicySource[];
  policyCount: number;
  gitCommit?: string | null | undefined;
  author: string;
  /** The API key the author authenticated with (the audit record names it and its creator). */
  apiKeyId?: string | null | undefined;
  message: string;
  key: SigningKey;
}

/**
 * Store a signed, immutable version of these policy files. The same content again finds the
 * version already stored (created: false) and stores nothing.
 */
export async function publishVersion(
  database: Database,
  input: PublishInput,
): Promise<{ version: VersionSummary; created: boolean }> {
  const contentHash = contentHashOf(input.sources);
  const id = versionIdOf(contentHash);
  const existing = await getVersionSummary(database, id);
  if (existing) return { version: existing, created: false };

  const unsigned = {
    id,
    contentHash,
    gitCommit: input.gitCommit ?? null,
    author: input.author,
    message: input.message,
    createdAt: new Date().toISOString(),
  };
  const signature = sign(null, signedPayload(unsigned), input.key.privateKey).toString("base64");
  const files = [...input.sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const created = await database.transaction(async (tx) => {
    const rows = await tx.db
      .insert(policyVersions)
      .values({
        ...unsigned,
        files,
        policyCount: input.policyCount,
        createdAt: new Date(unsigned.createdAt),
        keyId: input.key.keyId,
        publicKey: input.key.publicKey,
        signature,
      })
      .onConflictDoNothing({ target: policyVersions.id })
      .returning({ id: policyVersions.id });
    if (rows.length === 0) return false;
    await recordChange(tx, {
      actor: input.author,
      apiKeyId: input.apiKeyId,
      action: "policy.publish",
      target: `PolicyVersion::${id}`,
      detail: { contentHash, gitCommit: unsigned.gitCommit, message: unsigned.message, keyId: input.key.keyId },
    });
    return true;
  });
  const version = await getVersionSummary(database, id);
  if (!version) throw new PolicyVersionError(`policy version ${id} was not stored`);
  return { version, created };
}

async function getVersionSummary(database: Session, id: string): Promise<VersionSummary | undefined> {
  const [row] = await database.db.select(summaryColumns).from(policyVersions).where(eq(policyVersions.id, id));
  return row ? toSummary(row) : undefined;
}

/** A published version with its files; `id` may be a unique prefix of at least 4 characters. */
export async function getVersion(database: Session, id: string): Promise<PublishedVersion | undefined> {
  if (id.length < 4) return undefined;
  const rows = await database.db
    .select()
    .from(policyVersions)
    .where(id.length >= 16 ? eq(policyVersions.id, id) : sql`starts_with(${policyVersions.id}, ${id})`)
    .limit(2);
  const [row] = rows;
  if (!row || rows.length !== 1) return undefined;
  return { ...toSummary(row), files: row.files };
}

export async function listVersions(database: Session, limit = 50): Promise<VersionSummary[]> {
  const rows = await database.db
    .select(summaryColumns)
    .from(policyVersions)
    .orderBy(desc(policyVersions.createdAt), policyVersions.id)
    .limit(limit);
  return rows.map(toSummary);
}

// ---- activation -----------------------------------------------------------------------------

const activationColumns = {
  seq: policyActivations.seq,
  versionId: policyActivations.versionId,
  kind: policyActivations.kind,
  requestedBy: policyActivations.requestedBy,
  approvedBy: policyActivations.approvedBy,
  createdAt: policyActivations.createdAt,
};

const toActivation = (row: Omit<typeof policyActivations.$inferSelect, "requestId">): Activation => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

export async function activationHistory(database: Session, limit = 20): Promise<Activation[]> {
  const rows = await database.db
    .select(activationColumns)
    .from(policyActivations)
    .orderBy(desc(policyActivations.seq))
    .limit(limit);
  return rows.map(toActivation);
}

/** What every PDP should serve: the newest activation, and the shadow candidate if any. */
export async function readPolicyState(
  database: Session,
): Promise<{ active: Activation | undefined; shadowVersionId: string | undefined }> {
  const [active] = await activationHistory(database, 1);
  const [shadow] = await database.db
    .select({ versionId: policyShadow.versionId })
    .from(policyShadow)
    .where(eq(policyShadow.id, 1));
  return { active, shadowVersionId: shadow?.versionId ?? undefined };
}

export async function fourEyesRequired(database: Session): Promise<boolean> {
  const [settings] = await database.db
    .select({ fourEyes: policySettings.fourEyes })
    .from(policySettings)
    .where(eq(policySettings.id, 1));
  return settings?.fourEyes === true;
}

export async function setFourEyes(
  database: Database,
  on: boolean,
  actor: string,
  apiKeyId: string | null = null,
): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.db
      .update(policySettings)
      .set({ fourEyes: on, updatedBy: actor, updatedAt: sql`now()` })
      .where(eq(policySettings.id, 1));
    await recordChange(tx, {
      actor,
      apiKeyId,
      action: "policy.four_eyes",
      target: "PolicySettings::four_eyes",
      detail: { fourEyes: on },
    });
  });
}

/** The version a rollback returns to: the one active before the current activation. */
export async function rollbackTarget(database: Session): Promise<string | undefined> {
  const [current, previous] = await activationHistory(database, 2);
  if (!current || !previous) return undefined;
  return previous.versionId;
}

export type ActivationOutcome =
  | { status: "activated"; activation: Activation }
  | { status: "pending"; requestId: string; versionId: string };

/**
 * Make a version active (kind "rollback" when returning to the previous one). With four-eyes on,
 * this only files a request that another person approves with approveActivation().
 * The caller must have checked that the version loads (signature, validation) first.
 */
export async function requestActivation(
  database: Database,
  input: { versionId: string; kind: "activate" | "rollback"; actor: string; apiKeyId?: string | null | undefined },
): Promise<ActivationOutcome> {
  return database.transaction(async (tx) => {
    if (await fourEyesRequired(tx)) {
      const requestId = `par_${randomBytes(8).toString("hex")}`;
      await tx.db
        .insert(policyActivationRequests)
        .values({ id: requestId, versionId: input.versionId, kind: input.kind, requestedBy: input.actor });
      await recordChange(tx, {
        actor: input.actor,
        apiKeyId: input.apiKeyId,
        action: `policy.${input.kind}_request`,
        target: `PolicyVersion::${input.versionId}`,
        detail: { requestId },
      });
      return { status: "pending" as const, requestId, versionId: input.versionId };
    }
    const activation = await insertActivation(tx, { ...input, approvedBy: null, requestId: null });
    return { status: "activated" as const, activation };
  });
}

/**
 * A second person approves a pending activation request; it takes effect at once. The approver is
 * a user PEA knows, and not the requester under any spelling.
 */
export async function approveActivation(
  database: Database,
  input: { requestId: string; approver: string; apiKeyId?: string | null | undefined },
): Promise<Activation> {
  return database.transaction(async (tx) => {
    const [request] = await tx.db
      .select({
        versionId: policyActivationRequests.versionId,
        kind: policyActivationRequests.kind,
        requestedBy: policyActivationRequests.requestedBy,
        status: policyActivationRequests.status,
      })
      .from(policyActivationRequests)
      .where(eq(policyActivationRequests.id, input.requestId))
      .for("update");
    if (!request) throw new PolicyVersionError(`no activation request ${input.requestId}`);
    if (request.status !== "pending")
      throw new PolicyVersionError(`activation request ${input.requestId} is ${request.status}`);
    if (sameIdentity(request.requestedBy, input.approver)) {
      throw new PolicyVersionError("four-eyes: the requester cannot approve their own activation");
    }
    const known = await tx.db.select({ id: users.id }).from(users).where(eq(users.id, input.approver));
    if (known.length === 0) {
      throw new PolicyVersionError(`four-eyes: the approver ${input.approver} is not a user PEA knows`);
    }
    await tx.db
      .update(policyActivationRequests)
      .set({ status: "approved", decidedBy: input.approver, decidedAt: sql`now()` })
      .where(eq(policyActivationRequests.id, input.requestId));
    return insertActivation(tx, {
      versionId: request.versionId,
      kind: request.kind,
      actor: request.requestedBy,
      approvedBy: input.approver,
      requestId: input.requestId,
      apiKeyId: input.apiKeyId,
    });
  });
}

export async function pendingActivations(
  database: Session,
): Promise<Array<{ id: string; versionId: string; kind: string; requestedBy: string; requestedAt: string }>> {
  const rows = await database.db
    .select({
      id: policyActivationRequests.id,
      versionId: policyActivationRequests.versionId,
      kind: policyActivationRequests.kind,
      requestedBy: policyActivationRequests.requestedBy,
      requestedAt: policyActivationRequests.requestedAt,
    })
    .from(policyActivationRequests)
    .where(eq(policyActivationRequests.status, "pending"))
    .orderBy(policyActivationRequests.requestedAt);
  return rows.map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() }));
}

async function insertActivation(
  tx: Session,
  input: {
    versionId: string;
    kind: "activate" | "rollback";
    actor: string;
    approvedBy: string | null;
    requestId: string | null;
    /** The key of whoever made it take effect (the approver, or the requester without four-eyes). */
    apiKeyId?: string | null | undefined;
  },
): Promise<Activation> {
  const [row] = await tx.db
    .insert(policyActivations)
    .values({
      versionId: input.versionId,
      kind: input.kind,
      requestedBy: input.actor,
      approvedBy: input.approvedBy,
      requestId: input.requestId,
    })
    .returning(activationColumns);
  if (!row) throw new PolicyVersionError(`the activation of ${input.versionId} was not stored`);
  const activation = toActivation(row);
  await recordChange(tx, {
    actor: input.approvedBy ?? input.actor,
    apiKeyId: input.apiKeyId,
    action: `policy.${input.kind}`,
    target: `PolicyVersion::${input.versionId}`,
    detail: { seq: activation.seq, requestedBy: input.actor, approvedBy: input.approvedBy, requestId: input.requestId },
  });
  return activation;
}
