import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type Database, tables } from "@pea/migrations";
import {
  type ApiKeyKind,
  type ApiKeyPrincipal,
  type ApiKeyScope,
  apiKeyKinds,
  apiKeyScopes,
  type ErrorCode,
  PeaError,
} from "@pea/schemas";
import { isNull } from "drizzle-orm";
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

export async function createApiKey(
  database: Database,
  options: {
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
  },
): Promise<{ id: string; key: string }> {
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
  if (options.userId !== undefined) await mustExist(database, "users", "user", [options.userId]);
  await mustExist(database, "agents", "agent", agents);
  await mustExist(database, "groups", "group", agentGroups);
  let parsed: { id: string; secret: string };
  if (options.key !== undefined) {
    const given = parseKey(options.key);
    if (!given) throw new ApiKeyError("a key must look like pea_<id>.<secret> (id 8+, secret 20+ url-safe characters)");
    parsed = given;
  } else {
    parsed = { id: randomBytes(9).toString("base64url"), secret: randomBytes(32).toString("base64url") };
  }
  await database.transaction(async (tx) => {
    const actor = options.actor ?? "system";
    await tx.query(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, user_id, kind, agents, agent_groups, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        parsed.id,
        options.name,
        hashSecret(parsed.secret),
        options.scopes,
        options.userId ?? null,
        kind,
        agents,
        agentGroups,
        actor,
      ],
    );
    await recordChange(tx, {
      actor,
      action: "api_key.create",
      target: `ApiKey::${parsed.id}`,
      detail: { name: options.name, kind, scopes: options.scopes, user: options.userId ?? null, agents, agentGroups },
    });
  });
  return { id: parsed.id, key: `pea_${parsed.id}.${parsed.secret}` };
}

/** Identities are entity ids that must exist: a key never names someone PEA does not know. */
async function mustExist(database: Database, table: string, what: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await database.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1)`, [ids]);
  const known = new Set(found.map((r) => r.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing !== undefined) throw new ApiKeyError(`${what} ${missing} does not exist`);
}

export async function countApiKeys(database: Database): Promise<number> {
  const [row] = await database.query<{ n: string | number }>("SELECT count(*) AS n FROM api_keys");
  return Number(row?.n ?? 0);
}

/** In-memory copy of the active keys, reloaded on change notifications. */
export class ApiKeyCache {
  private keys = new Map<string, { principal: ApiKeyPrincipal; hash: Buffer }>();

  constructor(private readonly database: Database) {}

  async reload(): Promise<void> {
    const { apiKeys } = tables;
    const rows = await this.database.db.select().from(apiKeys).where(isNull(apiKeys.revokedAt));
    this.keys = new Map(
      rows.map((r) => [
        r.id,
        {
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
        },
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
    return found.principal;
  }
}

export function hasScope(principal: ApiKeyPrincipal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}
