import { tables } from "@pea/migrations";
import type { ApiKeyKind } from "@pea/schemas";
import { desc, eq, getTableColumns, sql } from "drizzle-orm";
import { ApiKeyError, insertApiKey, type NewApiKey } from "../identity/api-keys.js";
import {
  type AdminActor,
  change,
  type EntitlementAdminDeps,
  EntitlementError,
  iso,
  keyIdOf,
  mustExist,
  requireView,
} from "./context.js";
import { type PendingCredentialRequest, requestApiKeyFor } from "./credential-requests.js";

export interface ApiKeyRow {
  id: string;
  name: string;
  kind: ApiKeyKind;
  scopes: string[];
  /** Whom it speaks for: its user (a user key) or the agents and agent groups it hosts (a service key). */
  userId: string | null;
  agents: string[];
  agentGroups: string[];
  /** Who made it ("User::pat", "cli", "bootstrap", …). */
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export async function listApiKeys(deps: EntitlementAdminDeps, actor: AdminActor): Promise<ApiKeyRow[]> {
  await requireView(deps, actor);
  const { apiKeys } = tables;
  // Every column but the secret's hash, which never leaves the store. A column added to api_keys
  // does not compile here until ApiKeyRow shows it (or it is left out above, as the hash is).
  const { secretHash: _secret, ...listed } = getTableColumns(apiKeys);
  const _allShown: [keyof typeof listed] extends [keyof ApiKeyRow] ? true : never = true;
  const rows = await deps.database.db.select(listed).from(apiKeys).orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map((r) => ({
    ...r,
    kind: r.kind as ApiKeyKind,
    createdAt: iso(r.createdAt),
    revokedAt: r.revokedAt === null ? null : iso(r.revokedAt),
  }));
}

/** The kinds of key an administrator makes in the admin app (an admin key only from the CLI). */
export type AdminKeyKind = Exclude<ApiKeyKind, "admin">;

/** What an administrator gives for a new key: a key's own fields, its kind one an administrator may make. */
export type NewAdminKey = Pick<NewApiKey, "name" | "userId" | "agents" | "agentGroups" | "scopes"> & {
  kind: AdminKeyKind;
};

/**
 * Create an API key. A key bound to another person is not made here: it becomes a request a
 * second administrator approves (credential-requests.ts), and the requester collects it after.
 * Any other key (one's own, a service or gateway key) is made at once and shown once, in the
 * result; the key records who made it.
 */
export async function createApiKey(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: NewAdminKey,
): Promise<{ status: "created"; id: string; key: string } | PendingCredentialRequest> {
  const name = input.name.trim();
  if (!name) throw new EntitlementError("invalid_request", "name: must not be empty");
  if (input.scopes.length === 0) throw new EntitlementError("invalid_request", "scopes: at least one");
  if ((input.kind === "user") !== (input.userId !== undefined)) {
    throw new EntitlementError(
      "invalid_request",
      input.kind === "user" ? "userId: a user key names its user" : `userId: a ${input.kind} key is bound to no user`,
    );
  }
  if (input.userId !== undefined) {
    await mustExist(deps.database, "User", input.userId);
    if (input.userId !== actor.userId) {
      return requestApiKeyFor(deps, actor, { name, userId: input.userId, scopes: input.scopes });
    }
  }
  await deps.authorizer.require(actor.userId, "admin:key.write", {
    kind: "api-key",
    ...(input.userId !== undefined ? { subject: input.userId } : {}),
  });
  // insertApiKey validates the binding and records the change itself, in the key's transaction.
  const created = await insertApiKeyAs(deps, actor, { ...input, name });
  return { status: "created", ...created };
}

function insertApiKeyAs(deps: EntitlementAdminDeps, actor: AdminActor, input: NewAdminKey) {
  return deps.database
    .transaction((tx) =>
      insertApiKey(tx, {
        name: input.name,
        kind: input.kind,
        userId: input.userId,
        agents: input.agents,
        agentGroups: input.agentGroups,
        scopes: input.scopes,
        actor: `User::${actor.userId}`,
        actorKeyId: keyIdOf(actor),
        detail: { via: actor.via },
      }),
    )
    .catch((error: unknown) => {
      // A binding that names nothing known is the request's fault, said in the admin API's terms.
      if (error instanceof ApiKeyError) throw new EntitlementError("invalid_request", error.message);
      throw error;
    });
}

export async function revokeApiKey(deps: EntitlementAdminDeps, actor: AdminActor, keyId: string): Promise<void> {
  const { apiKeys } = tables;
  const [key] = await deps.database.db
    .select({ userId: apiKeys.userId, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, keyId));
  if (!key) throw new EntitlementError("not_found", `API key ${keyId} does not exist`);
  if (key.revokedAt !== null) throw new EntitlementError("conflict", `API key ${keyId} is already revoked`);
  await change(
    deps,
    actor,
    "admin:key.write",
    { kind: "api-key", ...(key.userId ? { subject: key.userId } : {}) },
    { action: "api_key.revoke", target: `ApiKey::${keyId}` },
    (tx) => tx.db.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, keyId)),
  );
}
