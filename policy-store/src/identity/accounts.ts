import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import type { ApiKeyCache } from "./api-keys.js";

/**
 * Sign-in for the admin app: local accounts (scrypt, a memory-hard KDF) or a user-bound API key,
 * and server-side sessions. Only hashes are stored: scrypt for passwords, SHA-256 for session
 * tokens (256 random bits, so a fast hash is enough).
 */

// scrypt N=2^15, r=8, p=1: 32 MiB and ~50-100 ms per hash on one core (OWASP's minimum is N=2^17
// with r=8 for 128 MiB; this is tuned for a 2-core demo host -- raise N in production).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 };
export const MIN_PASSWORD_LENGTH = 12;
export const SESSION_TTL_MS = 8 * 3600 * 1000;

function scryptAsync(password: string, salt: Buffer, params: typeof SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFKC"),
      salt,
      params.keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scryptAsync(password, Buffer.from(salt, "base64url"), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    keyLength: expected.length,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const { adminAccounts, adminSessions, users } = tables;

// Verified against when there is no such account, so a wrong user name costs the same time.
let dummyHash: Promise<string> | undefined;

export class AccountError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AccountError(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw new AccountError("password: at most 1024 characters");
}

/** Who sets a password, for the audit record (detail: e.g. who requested and who approved a reset). */
export interface PasswordSetter {
  actor: string;
  apiKeyId?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
}

/** Create or replace a user's local password (the user must exist). */
export async function setPassword(
  database: Database,
  userId: string,
  password: string,
  by: string | PasswordSetter,
): Promise<void> {
  checkPasswordStrength(password);
  await storePasswordHash(database, userId, await hashPassword(password), {
    ...(typeof by === "string" ? { actor: by } : by),
    mustChange: false,
  });
}

/**
 * Store a password hash (made by hashPassword). `mustChange`: someone else chose this password,
 * so its first sign-in can do nothing but change it. Within `session` when given (a caller's
 * transaction), else in a transaction of its own.
 */
export async function storePasswordHash(
  database: Database | Session,
  userId: string,
  hash: string,
  by: PasswordSetter & { mustChange: boolean },
): Promise<void> {
  const work = async (tx: Session) => {
    const found = await tx.db.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (found.length === 0) throw new AccountError(`User::${userId} does not exist`);
    await tx.db
      .insert(adminAccounts)
      .values({ userId, passwordHash: hash, mustChange: by.mustChange })
      .onConflictDoUpdate({
        target: adminAccounts.userId,
        set: { passwordHash: hash, mustChange: by.mustChange, updatedAt: sql`now()` },
      });
    // A new password ends every session opened with the old one.
    await tx.db.delete(adminSessions).where(eq(adminSessions.userId, userId));
    await recordChange(tx, {
      actor: by.actor,
      apiKeyId: by.apiKeyId,
      action: "account.password_set",
      target: `User::${userId}`,
      detail: { ...by.detail, mustChange: by.mustChange },
    });
  };
  await ("transaction" in database ? database.transaction(work) : work(database));
}

export interface AdminSession {
  userId: string;
  csrfToken: string;
  via: string;
  expiresAt: Date;
  /** Opened with a password someone else set: it may do nothing but change that password. */
  mustChangePassword: boolean;
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

async function openSession(
  database: Database,
  userId: string,
  via: string,
  mustChangePassword = false,
): Promise<{ token: string } & AdminSession> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await database.transaction(async (tx) => {
    await tx.db.delete(adminSessions).where(lt(adminSessions.expiresAt, sql`now()`));
    await tx.db.insert(adminSessions).values({ tokenHash: tokenHash(token), userId, csrfToken, via, expiresAt });
    await recordChange(tx, {
      actor: `User::${userId}`,
      apiKeyId: via.startsWith("api-key:") ? via.slice("api-key:".length) : undefined,
      action: "session.open",
      target: `User::${userId}`,
      detail: { via, ...(mustChangePassword ? { mustChangePassword } : {}) },
    });
  });
  return { token, userId, csrfToken, via, expiresAt, mustChangePassword };
}

/** Whether `userId` is a user PEA knows whose status is active. */
export async function isActiveUser(database: Session, userId: string): Promise<boolean> {
  const [user] = await database.db.select({ status: users.status }).from(users).where(eq(users.id, userId));
  return user?.status === "active";
}

/** Password sign-in. Undefined (never a reason) when the user, password or status is wrong. */
export async function signInWithPassword(
  database: Database,
  userId: string,
  password: string,
): Promise<({ token: string } & AdminSession) | undefined> {
  const [account] = await database.db
    .select({ passwordHash: adminAccounts.passwordHash, mustChange: adminAccounts.mustChange })
    .from(adminAccounts)
    .where(eq(adminAccounts.userId, userId));
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyHash));
  if (!account || !ok || !(await isActiveUser(database, userId))) return undefined;
  return openSession(database, userId, "password", account.mustChange);
}

/** API-key sign-in: only a key bound to an active user opens a session, as that user. */
export async function signInWithApiKey(
  database: Database,
  keys: ApiKeyCache,
  key: string,
): Promise<({ token: string } & AdminSession) | undefined> {
  const principal = keys.verify(key);
  if (!principal?.userId || !(await isActiveUser(database, principal.userId))) return undefined;
  return openSession(database, principal.userId, `api-key:${principal.id}`);
}

/**
 * Sign-in by an identity someone else verified (the firm's OpenID provider, matched to this
 * user by the admin app): only an active user gets a session; `via` says who vouched.
 */
export async function signInWithIdentity(
  database: Database,
  userId: string,
  via: string,
): Promise<({ token: string } & AdminSession) | undefined> {
  if (!(await isActiveUser(database, userId))) return undefined;
  return openSession(database, userId, via);
}

/** The live session for a token, or undefined (unknown, expired, or its user no longer active). */
export async function getSession(database: Database, token: string): Promise<AdminSession | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const [row] = await database.db
    .select({
      userId: adminSessions.userId,
      csrfToken: adminSessions.csrfToken,
      via: adminSessions.via,
      expiresAt: adminSessions.expiresAt,
      status: users.status,
      mustChange: adminAccounts.mustChange,
    })
    .from(adminSessions)
    .innerJoin(users, eq(users.id, adminSessions.userId))
    .leftJoin(adminAccounts, eq(adminAccounts.userId, adminSessions.userId))
    .where(and(eq(adminSessions.tokenHash, tokenHash(token)), gt(adminSessions.expiresAt, sql`now()`)));
  if (row?.status !== "active") return undefined;
  return {
    userId: row.userId,
    csrfToken: row.csrfToken,
    via: row.via,
    expiresAt: row.expiresAt,
    // Only a session the set password opened is held to changing it (a key or OIDC sign-in is not).
    mustChangePassword: row.via === "password" && row.mustChange === true,
  };
}

export async function signOut(database: Database, token: string): Promise<void> {
  await database.db.delete(adminSessions).where(eq(adminSessions.tokenHash, tokenHash(token)));
}

/**
 * The user an identity provider's claim names: by id, or by e-mail address (case-insensitive, and
 * only when exactly one user has it).
 */
export async function userByClaim(
  database: Session,
  claim: "id" | "email",
  value: string,
): Promise<string | undefined> {
  const rows = await database.db
    .select({ id: users.id })
    .from(users)
    .where(claim === "email" ? sql`lower(${users.email}) = lower(${value})` : eq(users.id, value))
    .limit(2);
  return rows.length === 1 ? rows[0]?.id : undefined;
}

export function csrfMatches(session: AdminSession, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
