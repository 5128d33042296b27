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
import type { Database, Session } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
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

interface VersionRow {
  id: string;
  content_hash: string;
  files?: PolicySource[] | string;
  policy_count: number | string;
  git_commit: string | null;
  author: string;
  message: string;
  created_at: Date | string;
  key_id: string;
  public_key: string;
  signature: string;
}

const summaryColumns =
  "id, content_hash, policy_count, git_commit, author, message, created_at, key_id, public_key, signature";

function toSummary(row: VersionRow): VersionSummary {
  return {
    id: row.id,
    contentHash: row.content_hash,
    policyCount: Number(row.policy_count),
    gitCommit: row.git_commit,
    author: row.author,
    message: row.message,
    createdAt: new Date(row.created_at).toISOString(),
    keyId: row.key_id,
    publicKey: row.public_key,
    signature: row.signature,
  };
}

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
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO policy_versions (id, content_hash, files, policy_count, git_commit, author, message, created_at,
         key_id, public_key, signature)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        id,
        contentHash,
        JSON.stringify(files),
        input.policyCount,
        unsigned.gitCommit,
        unsigned.author,
        unsigned.message,
        unsigned.createdAt,
        input.key.keyId,
        input.key.publicKey,
        signature,
      ],
    );
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
  const rows = await database.query<VersionRow>(`SELECT ${summaryColumns} FROM policy_versions WHERE id = $1`, [id]);
  return rows[0] ? toSummary(rows[0]) : undefined;
}

/** A published version with its files; `id` may be a unique prefix of at least 4 characters. */
export async function getVersion(database: Session, id: string): Promise<PublishedVersion | undefined> {
  const rows =
    id.length >= 16
      ? await database.query<VersionRow>(`SELECT ${summaryColumns}, files FROM policy_versions WHERE id = $1`, [id])
      : id.length >= 4
        ? await database.query<VersionRow>(
            `SELECT ${summaryColumns}, files FROM policy_versions WHERE starts_with(id, $1) LIMIT 2`,
            [id],
          )
        : [];
  if (rows.length !== 1) return undefined;
  const row = rows[0] as VersionRow;
  const files = typeof row.files === "string" ? (JSON.parse(row.files) as PolicySource[]) : (row.files ?? []);
  return { ...toSummary(row), files };
}

export async function listVersions(database: Session, limit = 50): Promise<VersionSummary[]> {
  const rows = await database.query<VersionRow>(
    `SELECT ${summaryColumns} FROM policy_versions ORDER BY created_at DESC, id LIMIT $1`,
    [limit],
  );
  return rows.map(toSummary);
}

// ---- activation -----------------------------------------------------------------------------

interface ActivationRow {
  seq: number | string;
  version_id: string;
  kind: "activate" | "rollback";
  requested_by: string;
  approved_by: string | null;
  created_at: Date | string;
}

const toActivation = (row: ActivationRow): Activation => ({
  seq: Number(row.seq),
  versionId: row.version_id,
  kind: row.kind,
  requestedBy: row.requested_by,
  approvedBy: row.approved_by,
  createdAt: new Date(row.created_at).toISOString(),
});

export async function activationHistory(database: Session, limit = 20): Promise<Activation[]> {
  const rows = await database.query<ActivationRow>(
    "SELECT seq, version_id, kind, requested_by, approved_by, created_at FROM policy_activations ORDER BY seq DESC LIMIT $1",
    [limit],
  );
  return rows.map(toActivation);
}

/** What every PDP should serve: the newest activation, and the shadow candidate if any. */
export async function readPolicyState(
  database: Session,
): Promise<{ active: Activation | undefined; shadowVersionId: string | undefined }> {
  const [active] = await activationHistory(database, 1);
  const shadow = await database.query<{ version_id: string | null }>(
    "SELECT version_id FROM policy_shadow WHERE id = 1",
  );
  return { active, shadowVersionId: shadow[0]?.version_id ?? undefined };
}

export async function fourEyesRequired(database: Session): Promise<boolean> {
  const rows = await database.query<{ four_eyes: boolean }>("SELECT four_eyes FROM policy_settings WHERE id = 1");
  return rows[0]?.four_eyes === true;
}

export async function setFourEyes(
  database: Database,
  on: boolean,
  actor: string,
  apiKeyId: string | null = null,
): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query("UPDATE policy_settings SET four_eyes = $1, updated_by = $2, updated_at = now() WHERE id = 1", [
      on,
      actor,
    ]);
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
      await tx.query(
        "INSERT INTO policy_activation_requests (id, version_id, kind, requested_by) VALUES ($1, $2, $3, $4)",
        [requestId, input.versionId, input.kind, input.actor],
      );
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
    const rows = await tx.query<{
      version_id: string;
      kind: "activate" | "rollback";
      requested_by: string;
      status: string;
    }>("SELECT version_id, kind, requested_by, status FROM policy_activation_requests WHERE id = $1 FOR UPDATE", [
      input.requestId,
    ]);
    const request = rows[0];
    if (!request) throw new PolicyVersionError(`no activation request ${input.requestId}`);
    if (request.status !== "pending")
      throw new PolicyVersionError(`activation request ${input.requestId} is ${request.status}`);
    if (sameIdentity(request.requested_by, input.approver)) {
      throw new PolicyVersionError("four-eyes: the requester cannot approve their own activation");
    }
    const known = await tx.query("SELECT 1 FROM users WHERE id = $1", [input.approver]);
    if (known.length === 0) {
      throw new PolicyVersionError(`four-eyes: the approver ${input.approver} is not a user PEA knows`);
    }
    await tx.query(
      "UPDATE policy_activation_requests SET status = 'approved', decided_by = $2, decided_at = now() WHERE id = $1",
      [input.requestId, input.approver],
    );
    return insertActivation(tx, {
      versionId: request.version_id,
      kind: request.kind,
      actor: request.requested_by,
      approvedBy: input.approver,
      requestId: input.requestId,
      apiKeyId: input.apiKeyId,
    });
  });
}

export async function pendingActivations(
  database: Session,
): Promise<Array<{ id: string; versionId: string; kind: string; requestedBy: string; requestedAt: string }>> {
  const rows = await database.query<{
    id: string;
    version_id: string;
    kind: string;
    requested_by: string;
    requested_at: Date | string;
  }>(
    "SELECT id, version_id, kind, requested_by, requested_at FROM policy_activation_requests WHERE status = 'pending' ORDER BY requested_at",
  );
  return rows.map((r) => ({
    id: r.id,
    versionId: r.version_id,
    kind: r.kind,
    requestedBy: r.requested_by,
    requestedAt: new Date(r.requested_at).toISOString(),
  }));
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
  const rows = await tx.query<ActivationRow>(
    `INSERT INTO policy_activations (version_id, kind, requested_by, approved_by, request_id) VALUES ($1, $2, $3, $4, $5)
     RETURNING seq, version_id, kind, requested_by, approved_by, created_at`,
    [input.versionId, input.kind, input.actor, input.approvedBy, input.requestId],
  );
  const activation = toActivation(rows[0] as ActivationRow);
  await recordChange(tx, {
    actor: input.approvedBy ?? input.actor,
    apiKeyId: input.apiKeyId,
    action: `policy.${input.kind}`,
    target: `PolicyVersion::${input.versionId}`,
    detail: { seq: activation.seq, requestedBy: input.actor, approvedBy: input.approvedBy, requestId: input.requestId },
  });
  return activation;
}
