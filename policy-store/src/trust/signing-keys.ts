import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  type KeyObject,
  type JsonWebKey as NodeJwk,
  randomBytes,
  scryptSync,
} from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { desc, gt, isNull, or, sql } from "drizzle-orm";
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";

/**
 * Ed25519 keys that sign authorization artifacts, shared by every PDP process through the store.
 *
 * Where the private key lives is a trade-off. In the database every PDP process (and any new one)
 * signs with the same key and rotation needs no redeploy, but whoever can read the table can mint
 * artifacts. Set PEA_SIGNING_KEY_PASSPHRASE (the same in every PDP) and the private JWK is stored
 * AES-256-GCM encrypted under a key derived from it: a database dump alone then cannot sign. The
 * passphrase itself is configuration, kept out of the database. Private keys are never logged and
 * never leave the server; /.well-known/jwks.json publishes the public halves only.
 */
export interface PublicSigningKey {
  kid: string;
  jwk: JWK;
  createdAt: Date;
  retiresAt: Date | null;
}

export interface ActiveSigningKey {
  kid: string;
  /** The Ed25519 private key as node:crypto holds it, imported once per load (artifacts.ts signs with it). */
  key: KeyObject;
}

export interface SigningKeyOptions {
  /** Passphrase protecting private keys at rest (optional; see above). */
  passphrase?: string | undefined;
}

const ENC_PREFIX = "enc:v1:";
const ROTATION_LOCK = 7_101_005;
const lockRotation = (tx: Session) => tx.db.execute(sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`);
const { signingKeys } = tables;

function derive(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase, salt, 32);
}

export function sealPrivateKey(jwk: JWK, passphrase: string | undefined): string {
  const plain = JSON.stringify(jwk);
  if (!passphrase) return plain;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derive(passphrase, salt), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `${ENC_PREFIX}${[salt, iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".")}`;
}

export function openPrivateKey(stored: string, passphrase: string | undefined): JWK {
  if (!stored.startsWith(ENC_PREFIX)) return JSON.parse(stored) as JWK;
  if (!passphrase) throw new Error("the signing key is encrypted: PEA_SIGNING_KEY_PASSPHRASE is required");
  const [salt, iv, tag, body] = stored
    .slice(ENC_PREFIX.length)
    .split(".")
    .map((part) => Buffer.from(part, "base64url"));
  if (!salt || !iv || !tag || !body) throw new Error("a stored signing key is malformed");
  const decipher = createDecipheriv("aes-256-gcm", derive(passphrase, salt), iv);
  decipher.setAuthTag(tag);
  try {
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8")) as JWK;
  } catch {
    throw new Error("the signing key cannot be decrypted with PEA_SIGNING_KEY_PASSPHRASE");
  }
}

async function insertNewKey(s: Session, passphrase: string | undefined): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
  const kid = `k_${new Date().toISOString().slice(0, 10).replaceAll("-", "")}_${randomBytes(6).toString("hex")}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  await s.db
    .insert(signingKeys)
    .values({ kid, publicJwk, privateKey: sealPrivateKey(await exportJWK(privateKey), passphrase) });
  return kid;
}

/**
 * Make sure a signing key exists; rotate when the current one is older than `rotateAfterSeconds`.
 * Safe to call from several PDP processes at once (an advisory lock serialises them).
 */
export async function ensureSigningKey(
  database: Database,
  options: SigningKeyOptions & { rotateAfterSeconds?: number; overlapSeconds?: number } = {},
): Promise<void> {
  await database.transaction(async (tx) => {
    await lockRotation(tx);
    const [current] = await tx.db
      .select({
        kid: signingKeys.kid,
        age: sql<number>`extract(epoch FROM now() - ${signingKeys.createdAt})`.mapWith(Number),
      })
      .from(signingKeys)
      .where(isNull(signingKeys.retiresAt))
      .orderBy(desc(signingKeys.createdAt))
      .limit(1);
    if (!current) {
      await insertNewKey(tx, options.passphrase);
      return;
    }
    if (options.rotateAfterSeconds !== undefined && current.age >= options.rotateAfterSeconds) {
      await rotateIn(tx, options.passphrase, options.overlapSeconds ?? 3600);
    }
  });
}

async function rotateIn(tx: Session, passphrase: string | undefined, overlapSeconds: number): Promise<string> {
  // Old keys stay published for the overlap, so artifacts they signed still verify until expiry.
  await tx.db
    .update(signingKeys)
    .set({ retiresAt: sql`now() + make_interval(secs => ${overlapSeconds})` })
    .where(isNull(signingKeys.retiresAt));
  return insertNewKey(tx, passphrase);
}

/** Start signing with a new key now; the previous ones stay published for `overlapSeconds`. */
export async function rotateSigningKey(
  database: Database,
  options: SigningKeyOptions & { overlapSeconds?: number } = {},
): Promise<string> {
  return database.transaction(async (tx) => {
    await lockRotation(tx);
    return rotateIn(tx, options.passphrase, options.overlapSeconds ?? 3600);
  });
}

/** The keys as one PDP process holds them: the active private key and the published public ones. */
export class SigningKeyRing {
  private constructor(
    readonly active: ActiveSigningKey | undefined,
    readonly published: PublicSigningKey[],
    private readonly verifying: Map<string, CryptoKey>,
  ) {}

  static empty(): SigningKeyRing {
    return new SigningKeyRing(undefined, [], new Map());
  }

  /** Load from the store; keys already imported by `previous` are reused. */
  static async load(s: Session, passphrase: string | undefined, previous?: SigningKeyRing): Promise<SigningKeyRing> {
    const rows = await s.db
      .select()
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiresAt), gt(signingKeys.retiresAt, sql`now()`)))
      .orderBy(desc(signingKeys.createdAt));
    const published: PublicSigningKey[] = [];
    const verifying = new Map<string, CryptoKey>();
    let active: ActiveSigningKey | undefined;
    for (const row of rows) {
      const jwk = row.publicJwk as JWK;
      published.push({ kid: row.kid, jwk, createdAt: row.createdAt, retiresAt: row.retiresAt });
      verifying.set(row.kid, previous?.verifying.get(row.kid) ?? ((await importJWK(jwk, "EdDSA")) as CryptoKey));
      if (!active && row.retiresAt === null) {
        const kept = previous?.active?.kid === row.kid ? previous.active : undefined;
        active = kept ?? {
          kid: row.kid,
          key: createPrivateKey({ key: openPrivateKey(row.privateKey, passphrase) as NodeJwk, format: "jwk" }),
        };
      }
    }
    return new SigningKeyRing(active, published, verifying);
  }

  /** The public key with this kid, while it is published. */
  verificationKey(kid: string): CryptoKey | undefined {
    return this.verifying.get(kid);
  }

  /** The JSON Web Key Set: public halves only. */
  jwks(): { keys: JWK[] } {
    return {
      keys: this.published.map((k) => {
        // Defensive: only public members ever leave the server.
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...pub } = k.jwk;
        return pub;
      }),
    };
  }
}
