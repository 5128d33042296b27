import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "@pea/migrations";
import { type ApiKeyScope, apiKeyScopes, type ErrorCode, PeaError } from "@pea/schemas";
import { recordChange } from "../audit/chain.js";

export interface ApiKeyPrincipal {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  userId: string | null;
}

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

export async function createApiKey(
  database: Database,
  options: {
    name: string;
    userId?: string | undefined;
    scopes: ApiKeyScope[];
    key?: string | undefined;
    /** Who creates it, for the audit log ("cli", "bootstrap", "key:<id>", "User::<id>"). */
    actor?: string | undefined;
  },
): Promise<{ id: string; key: string }> {
  for (const scope of options.scopes) {
    if (!apiKeyScopes.includes(scope)) throw new ApiKeyError(`unknown scope ${scope}`);
  }
  if (options.userId !== undefined) {
    const found = await database.query("SELECT 1 FROM users WHERE id = $1", [options.userId]);
    if (found.length === 0) throw new ApiKeyError(`user ${options.userId} does not exist`);
  }
  let parsed: { id: string; secret: string };
  if (options.key !== undefined) {
    const given = parseKey(options.key);
    if (!given) throw new ApiKeyError("a key must look like pea_<id>.<secret> (id 8+, secret 20+ url-safe characters)");
    parsed = given;
  } else {
    parsed = { id: randomBytes(9).toString("base64url"), secret: randomBytes(32).toString("base64url") };
  }
  await database.transaction(async (tx) => {
    await tx.query("INSERT INTO api_keys (id, name, secret_hash, scopes, user_id) VALUES ($1, $2, $3, $4, $5)", [
      parsed.id,
      options.name,
      hashSecret(parsed.secret),
      options.scopes,
      options.userId ?? null,
    ]);
    await recordChange(tx, {
      actor: options.actor ?? "system",
      action: "api_key.create",
      target: `ApiKey::${parsed.id}`,
      detail: { name: options.name, scopes: options.scopes, user: options.userId ?? null },
    });
  });
  return { id: parsed.id, key: `pea_${parsed.id}.${parsed.secret}` };
}

export async function countApiKeys(database: Database): Promise<number> {
  const [row] = await database.query<{ n: string | number }>("SELECT count(*) AS n FROM api_keys");
  return Number(row?.n ?? 0);
}

/** In-memory copy of the active keys, reloaded on change notifications. */
export class ApiKeyCache {
  private keys = new Map<string, ApiKeyPrincipal & { hash: Buffer }>();

  constructor(private readonly database: Database) {}

  async reload(): Promise<void> {
    const rows = await this.database.query<{
      id: string;
      name: string;
      secret_hash: string;
      scopes: ApiKeyScope[];
      user_id: string | null;
    }>("SELECT id, name, secret_hash, scopes, user_id FROM api_keys WHERE revoked_at IS NULL");
    this.keys = new Map(
      rows.map((r) => [
        r.id,
        { id: r.id, name: r.name, scopes: r.scopes, userId: r.user_id, hash: Buffer.from(r.secret_hash, "hex") },
      ]),
    );
  }

  verify(key: string): ApiKeyPrincipal | undefined {
    const parsed = parseKey(key);
    if (!parsed) return undefined;
    const found = this.keys.get(parsed.id);
    if (!found) return undefined;
    const given = Buffer.from(hashSecret(parsed.secret), "hex");
    if (given.length !== found.hash.length || !timingSafeEqual(given, found.hash)) return undefined;
    return { id: found.id, name: found.name, scopes: found.scopes, userId: found.userId };
  }
}

export function hasScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}
