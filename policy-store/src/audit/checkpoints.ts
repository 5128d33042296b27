// Signed checkpoints of the audit chain: head seq + hash, signed with Ed25519.
// Kept in audit_checkpoints and exportable to a file, so an external copy can catch a truncated
// or rewritten log (see audit-verify.ts).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import { eq, isNotNull, sql } from "drizzle-orm";
import { type AuditEntry, type ChainHead, canonicalJson } from "./chain.js";
import type { DecisionLog } from "./decision-log.js";

export interface SignedCheckpoint {
  type: "pea.audit.checkpoint";
  seq: number;
  hash: string;
  time: string;
  keyId: string;
  /** SPKI PEM of the signing key, so a file can be checked on its own (pin it with --public-key). */
  publicKey: string;
  /** base64url Ed25519 signature over checkpointPayload(). */
  signature: string;
}

export interface CheckpointSigner {
  keyId: string;
  publicKey: string;
  sign(head: ChainHead, time?: Date): SignedCheckpoint;
}

export class CheckpointError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

/** The exact bytes signed: canonical JSON of what the checkpoint asserts. */
export function checkpointPayload(c: Pick<SignedCheckpoint, "seq" | "hash" | "time" | "keyId">): Buffer {
  return Buffer.from(
    canonicalJson({ type: "pea.audit.checkpoint", seq: c.seq, hash: c.hash, time: c.time, keyId: c.keyId }),
  );
}

const keyIdOf = (publicKey: KeyObject) =>
  `ak_${createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16)}`;

function signerFor(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    keyId,
    publicKey: pem,
    sign(head, time = new Date()) {
      const body = { seq: head.seq, hash: head.hash, time: time.toISOString(), keyId };
      return {
        type: "pea.audit.checkpoint",
        ...body,
        publicKey: pem,
        signature: sign(null, checkpointPayload(body), privateKey).toString("base64url"),
      };
    },
  };
}

/** Parse a configured key: PKCS#8 PEM, or base64/base64url of a PKCS#8 DER Ed25519 key. */
function parsePrivateKey(text: string): KeyObject {
  const key = text.includes("-----BEGIN")
    ? createPrivateKey(text)
    : createPrivateKey({ key: Buffer.from(text.trim(), "base64url"), format: "der", type: "pkcs8" });
  if (key.asymmetricKeyType !== "ed25519") throw new CheckpointError("the audit signing key must be Ed25519");
  return key;
}

const { auditCheckpoints, auditSigningKeys } = tables;

/**
 * The checkpoint signer. With `privateKey` (PEA_AUDIT_SIGNING_KEY) the private key stays outside
 * the database and only its public half is registered. Without it (development), one key is
 * generated and kept in audit_signing_keys, shared by every process on this store.
 */
export async function loadCheckpointSigner(
  database: Database,
  options: { privateKey?: string | undefined } = {},
): Promise<CheckpointSigner> {
  if (options.privateKey) {
    const signer = signerFor(parsePrivateKey(options.privateKey));
    await database.db
      .insert(auditSigningKeys)
      .values({ id: signer.keyId, publicKey: signer.publicKey })
      .onConflictDoNothing({ target: auditSigningKeys.id });
    return signer;
  }
  const pick = () =>
    database.db
      .select({ privateKey: auditSigningKeys.privateKey })
      .from(auditSigningKeys)
      .where(isNotNull(auditSigningKeys.privateKey))
      .orderBy(auditSigningKeys.createdAt, auditSigningKeys.id)
      .limit(1);
  let [row] = await pick();
  if (!row) {
    const fresh = generateKeyPairSync("ed25519").privateKey;
    const signer = signerFor(fresh);
    await database.db
      .insert(auditSigningKeys)
      .values({
        id: signer.keyId,
        publicKey: signer.publicKey,
        privateKey: fresh.export({ type: "pkcs8", format: "pem" }).toString(),
      })
      .onConflictDoNothing({ target: auditSigningKeys.id });
    [row] = await pick();
  }
  if (!row?.privateKey) throw new CheckpointError("no audit signing key could be stored");
  return signerFor(createPrivateKey(row.privateKey));
}

/** True when the signature is valid for the key the checkpoint names (and `pinned`, if given). */
export function checkpointSignatureValid(c: SignedCheckpoint, pinnedPublicKey?: string): boolean {
  try {
    const key = createPublicKey(pinnedPublicKey ?? c.publicKey);
    if (keyIdOf(key) !== c.keyId) return false;
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, "base64url"));
  } catch {
    return false;
  }
}

export function parseCheckpoint(text: string): SignedCheckpoint {
  let value: Partial<SignedCheckpoint>;
  try {
    value = JSON.parse(text) as Partial<SignedCheckpoint>;
  } catch {
    throw new CheckpointError("the checkpoint file is not JSON");
  }
  if (
    value.type !== "pea.audit.checkpoint" ||
    typeof value.seq !== "number" ||
    typeof value.hash !== "string" ||
    typeof value.time !== "string" ||
    typeof value.keyId !== "string" ||
    typeof value.publicKey !== "string" ||
    typeof value.signature !== "string"
  ) {
    throw new CheckpointError("the checkpoint file is not a PEA audit checkpoint");
  }
  return value as SignedCheckpoint;
}

/** The hash the log holds at `seq`, to sign a checkpoint at a point other than the head. */
export async function auditHashAt(database: Session, seq: number): Promise<string | undefined> {
  const { auditLog } = tables;
  const [row] = await database.db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, seq));
  return row?.hash;
}

export async function storeCheckpoint(database: Session, c: SignedCheckpoint): Promise<void> {
  await database.db
    .insert(auditCheckpoints)
    .values({ seq: c.seq, hash: c.hash, time: new Date(c.time), keyId: c.keyId, signature: c.signature })
    .onConflictDoNothing();
}

/** Stored checkpoints with their keys' public halves, oldest first. */
export async function readCheckpoints(database: Session): Promise<SignedCheckpoint[]> {
  const rows = await database.db
    .select({
      seq: auditCheckpoints.seq,
      hash: auditCheckpoints.hash,
      time: auditCheckpoints.time,
      keyId: auditCheckpoints.keyId,
      publicKey: auditSigningKeys.publicKey,
      signature: auditCheckpoints.signature,
    })
    .from(auditCheckpoints)
    .innerJoin(auditSigningKeys, eq(auditSigningKeys.id, auditCheckpoints.keyId))
    .orderBy(auditCheckpoints.seq, auditCheckpoints.keyId);
  return rows.map((r) => ({ type: "pea.audit.checkpoint", ...r, time: r.time.toISOString() }));
}

/**
 * Sign a checkpoint every `every` records this process appends, and every `seconds` when it
 * appended anything since the last one. Checkpoints sign what this process itself wrote (the
 * entry returned by the append), never a head read back from the store. The signer is loaded on
 * first use (and retried), so a store that is down at start does not stop the PDP.
 */
export class Checkpointer {
  private lastSigned = 0;
  private latest: AuditEntry | undefined;
  private appendedSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SignedCheckpoint | undefined> | undefined;
  private signer: CheckpointSigner | undefined;

  constructor(
    private readonly database: Database,
    private readonly options: {
      every: number;
      seconds: number;
      privateKey?: string | undefined;
      onError?: (error: Error) => void;
    },
  ) {}

  attach(log: DecisionLog): this {
    log.onAppend((last, count) => {
      if (!this.latest || last.seq > this.latest.seq) this.latest = last;
      this.appendedSince += count;
      if (this.appendedSince >= this.options.every) void this.checkpoint();
    });
    if (this.options.seconds > 0) {
      this.timer = setInterval(() => void this.checkpoint(), this.options.seconds * 1000);
      this.timer.unref();
    }
    return this;
  }

  /** Sign and store a checkpoint of the latest entry, if it is newer than the last one signed. */
  checkpoint(): Promise<SignedCheckpoint | undefined> {
    this.running ??= this.signLatest().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async signLatest(): Promise<SignedCheckpoint | undefined> {
    const entry = this.latest;
    if (!entry || entry.seq <= this.lastSigned) return undefined;
    try {
      this.signer ??= await loadCheckpointSigner(this.database, { privateKey: this.options.privateKey });
      const signed = this.signer.sign({ seq: entry.seq, hash: entry.hash });
      await storeCheckpoint(this.database, signed);
      this.lastSigned = entry.seq;
      this.appendedSince = 0;
      return signed;
    } catch (error) {
      this.options.onError?.(error as Error);
      return undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * The audit log's background duties in a PDP: signed checkpoints and creating next months'
 * partitions ahead of time (daily). Call stop() on shutdown.
 */
export function startAuditService(
  database: Database,
  log: DecisionLog,
  options: {
    checkpointEvery: number;
    checkpointSeconds: number;
    privateKey?: string | undefined;
    onError?: (error: Error) => void;
  },
): { checkpointer: Checkpointer; stop(): void } {
  const checkpointer = new Checkpointer(database, {
    every: options.checkpointEvery,
    seconds: options.checkpointSeconds,
    privateKey: options.privateKey,
    onError: options.onError,
  }).attach(log);
  const ensurePartitions = () =>
    database.db
      .execute(sql`SELECT pea_audit_ensure_partitions(now(), 3)`)
      .catch((error: Error) => options.onError?.(error));
  void ensurePartitions();
  const daily = setInterval(ensurePartitions, 24 * 3600 * 1000);
  daily.unref();
  return {
    checkpointer,
    stop() {
      checkpointer.stop();
      clearInterval(daily);
    },
  };
}
