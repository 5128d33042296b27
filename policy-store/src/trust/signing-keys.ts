import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  type KeyObject,
  type JsonWebKey as NodeJwk,
  randomBytes,
  scryptSync,
} from "node:crypto";
import type { Database, Session } from "@pea/migrations";
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
  await s.query("INSERT INTO signing_keys (kid, public_jwk, private_key) VALUES ($1, $2, $3)", [
    kid,
    JSON.stringify(publicJwk),
    sealPrivateKey(await exportJWK(privateKey), passphrase),
  ]);
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
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ROTATION_LOCK]);
    const [current] = await tx.query<{ kid: string; age: string | number }>(
      "SELECT kid, extract(epoch FROM now() - created_at) AS age FROM signing_keys WHERE retires_at IS NULL ORDER BY created_at DESC LIMIT 1",
    );
    if (!current) {
      await insertNewKey(tx, options.passphrase);
      return;
    }
    if (options.rotateAfterSeconds !== undefined && Number(current.age) >= options.rotateAfterSeconds) {
      await rotateIn(tx, options.passphrase, options.overlapSeconds ?? 3600);
    }
  });
}

async function rotateIn(tx: Session, passphrase: string | undefined, overlapSeconds: number): Promise<string> {
  // Old keys stay published for the overlap, so artifacts they signed still verify until expiry.
  await tx.query("UPDATE signing_keys SET retires_at = now() + make_interval(secs => $1) WHERE retires_at IS NULL", [
    overlapSeconds,
  ]);
  return insertNewKey(tx, passphrase);
}

/** Start signing with a new key now; the previous ones stay published for `overlapSeconds`. */
export async function rotateSigningKey(
  database: Database,
  options: SigningKeyOptions & { overlapSeconds?: number } = {},
): Promise<string> {
  return database.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ROTATION_LOCK]);
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
    const rows = await s.query<{
      kid: string;
      public_jwk: JWK | string;
      private_key: string;
      created_at: Date | string;
      retires_at: Date | string | null;
    }>(
      "SELECT kid, public_jwk, private_key, created_at, retires_at FROM signing_keys WHERE retires_at IS NULL OR retires_at > now() ORDER BY created_at DESC",
    );
    const published: PublicSigningKey[] = [];
    const verifying = new Map<string, CryptoKey>();
    let active: ActiveSigningKey | undefined;
    for (const row of rows) {
      const jwk = (typeof row.public_jwk === "string" ? JSON.parse(row.public_jwk) : row.public_jwk) as JWK;
      published.push({
        kid: row.kid,
        jwk,
        createdAt: new Date(row.created_at),
        retiresAt: row.retires_at === null ? null : new Date(row.retires_at),
      });
      verifying.set(row.kid, previous?.verifying.get(row.kid) ?? ((await importJWK(jwk, "EdDSA")) as CryptoKey));
      if (!active && row.retires_at === null) {
        const kept = previous?.active?.kid === row.kid ? previous.active : undefined;
        active = kept ?? {
          kid: row.kid,
          key: createPrivateKey({ key: openPrivateKey(row.private_key, passphrase) as NodeJwk, format: "jwk" }),
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
