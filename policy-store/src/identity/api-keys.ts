import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type Database, type Session, tables } from "@pea/migrations";
import {
  type ApiKeyKind,
  type ApiKeyPrincipal,
  type ApiKeyScope,
  apiKeyKinds,
  apiKeyScopes,
  type ErrorCode,
  PeaError,
} from "@pea/schemas";
import { and, count, eq, inArray, isNull } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";

export type { ApiKeyPrincipal };

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

/** Keys look like `pea_<id>.<secret>`; only sha256(secret) is stored (secrets are 256 random bits). */
function parseKey(key: string): { id: string; secret: string } | undefined {
  const match = /^pea_([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{20,128})$/.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export class ApiKeyError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

export interface NewApiKey {
  name: string;
  kind: ApiKeyKind;
  /** The user a `user` key speaks for (required for that kind, refused for the others). */
  userId?: string | undefined;
  /** The agents (ids) and agent groups a `service` key hosts. */
  agents?: string[] | undefined;
  agentGroups?: string[] | undefined;
  scopes: ApiKeyScope[];
  key?: string | undefined;
  /** Who creates it, for the audit log ("cli", "bootstrap", "key:<id>", "User::<id>"). */
  actor?: string | undefined;
  /** The key the creator acted with, and more for the audit record (e.g. who approved it). */
  actorKeyId?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
}

export async function createApiKey(database: Database, options: NewApiKey): Promise<{ id: string; key: string }> {
  return database.transaction((tx) => insertApiKey(tx, options));
}

/** Create a key within the caller's transaction (its audit record is the transaction's last statement). */
export async function insertApiKey(tx: Session, options: NewApiKey): Promise<{ id: string; key: string }> {
  const { kind } = options;
  if (!apiKeyKinds.includes(kind)) throw new ApiKeyError(`unknown key kind ${kind}`);
  for (const scope of options.scopes) {
    if (!apiKeyScopes.includes(scope)) throw new ApiKeyError(`unknown scope ${scope}`);
  }
  const agents = [...new Set(options.agents ?? [])];
  const agentGroups = [...new Set(options.agentGroups ?? [])];
  if ((kind === "user") !== (options.userId !== undefined)) {
    throw new ApiKeyError(kind === "user" ? "a user key names its user" : `a ${kind} key is bound to no user`);
  }
  if ((kind === "service") !== agents.length + agentGroups.length > 0) {
    throw new ApiKeyError(
      kind === "service" ? "a service key names the agents it hosts" : `a ${kind} key hosts no agents`,
    );
  }
  if (options.userId !== undefined) await mustExist(tx, tables.users, "user", [options.userId]);
  await mustExist(tx, tables.agents, "agent", agents);
  await mustExist(tx, tables.groups, "group", agentGroups);
  let parsed: { id: string; secret: string };
  if (options.key !== undefined) {
    const given = parseKey(options.key);
    if (!given) throw new ApiKeyError("a key must look like pea_<id>.<secret> (id 8+, secret 20+ url-safe characters)");
    parsed = given;
  } else {
    parsed = { id: randomBytes(9).toString("base64url"), secret: randomBytes(32).toString("base64url") };
  }
  const actor = options.actor ?? "system";
  await tx.db.insert(tables.apiKeys).values({
    id: parsed.id,
    name: options.name,
    secretHash: hashSecret(parsed.secret),
    scopes: options.scopes,
    userId: options.userId ?? null,
    kind,
    agents,
    agentGroups,
    createdBy: actor,
  });
  await recordChange(tx, {
    actor,
    apiKeyId: options.actorKeyId,
    action: "api_key.create",
    target: `ApiKey::${parsed.id}`,
    detail: {
      name: options.name,
      kind,
      scopes: options.scopes,
      user: options.userId ?? null,
      agents,
      agentGroups,
      ...options.detail,
    },
  });
  return { id: parsed.id, key: `pea_${parsed.id}.${parsed.secret}` };
}

/** Identities are entity ids that must exist: a key never names someone PEA does not know. */
async function mustExist(
  database: Session,
  table: typeof tables.users | typeof tables.agents | typeof tables.groups,
  what: string,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  const found = await database.db.select({ id: table.id }).from(table).where(inArray(table.id, ids));
  const known = new Set(found.map((r) => r.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing !== undefined) throw new ApiKeyError(`${what} ${missing} does not exist`);
}

/**
 * Verify one key against the store itself (for a process without a key cache, such as the CLI):
 * its principal when the key exists, is not revoked and its secret matches.
 */
export async function verifyApiKeyInStore(database: Session, key: string): Promise<ApiKeyPrincipal | undefined> {
  const parsed = parseKey(key);
  if (!parsed) return undefined;
  const row = await activeKey(database, parsed.id);
  if (!row) return undefined;
  const { principal, hash } = entryOf(row);
  return secretMatches(parsed.secret, hash) ? principal : undefined;
}

export async function countApiKeys(database: Database): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(tables.apiKeys);
  return row?.n ?? 0;
}

const MAX_STORE_LOOKUPS_PER_SECOND = 20;

function entryOf(r: typeof tables.apiKeys.$inferSelect): { principal: ApiKeyPrincipal; hash: Buffer } {
  return {
    principal: {
      id: r.id,
      name: r.name,
      kind: r.kind as ApiKeyKind,
      scopes: r.scopes as ApiKeyScope[],
      userId: r.userId,
      agents: r.agents,
      agentGroups: r.agentGroups,
      createdBy: r.createdBy,
    },
    hash: Buffer.from(r.secretHash, "hex"),
  };
}

/** The stored key `id`, unless it is revoked. */
async function activeKey(database: Session, id: string): Promise<typeof tables.apiKeys.$inferSelect | undefined> {
  const { apiKeys } = tables;
  const [row] = await database.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return row;
}

/** Whether `secret` hashes to `hash` (compared in constant time). */
function secretMatches(secret: string, hash: Buffer): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  return given.length === hash.length && timingSafeEqual(given, hash);
}

/** In-memory copy of the active keys, reloaded on change notifications. */
export class ApiKeyCache {
  private keys = new Map<string, { principal: ApiKeyPrincipal; hash: Buffer }>();

  constructor(private readonly database: Database) {}

  async reload(): Promise<void> {
    const { apiKeys } = tables;
    const rows = await this.database.db.select().from(apiKeys).where(isNull(apiKeys.revokedAt));
    this.keys = new Map(rows.map((r) => [r.id, entryOf(r)]));
  }

  verify(key: string): ApiKeyPrincipal | undefined {
    const parsed = parseKey(key);
    if (!parsed) return undefined;
    const found = this.keys.get(parsed.id);
    return found && secretMatches(parsed.secret, found.hash) ? found.principal : undefined;
  }
  private readonly recentMisses = new Map<string, number>();
  private lookups: number[] = [];

  /**
   * verify(), and for a key id this copy does not hold yet, one read of the store: a key works the
   * moment its creation commits, not when the change feed delivers it. Unknown ids are remembered
   * for a second and such reads are capped per second, so made-up keys cannot load the store.
   * Revocation never waits on this path: a revoked key leaves the copy on its notification, and
   * this read skips revoked keys.
   */
  async verifyFresh(key: string): Promise<ApiKeyPrincipal | undefined> {
    const known = this.verify(key);
    if (known) return known;
    const parsed = parseKey(key);
    if (!parsed || this.keys.has(parsed.id)) return undefined;
    const now = Date.now();
    if ((this.recentMisses.get(parsed.id) ?? 0) > now - 1000) return undefined;
    this.lookups = this.lookups.filter((t) => t > now - 1000);
    if (this.lookups.length >= MAX_STORE_LOOKUPS_PER_SECOND) return undefined;
    this.lookups.push(now);
    const row = await activeKey(this.database, parsed.id);
    if (!row) {
      if (this.recentMisses.size > 10_000) this.recentMisses.clear();
      this.recentMisses.set(parsed.id, now);
      return undefined;
    }
    this.keys.set(row.id, entryOf(row));
    return this.verify(key);
  }
}

export function hasScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}
