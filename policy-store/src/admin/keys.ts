import type { ApiKeyScope } from "@pea/schemas";
import { createApiKey as insertApiKey } from "../identity/api-keys.js";
import {
  type AdminActor,
  change,
  type EntitlementAdminDeps,
  EntitlementError,
  iso,
  mustExist,
  requireView,
} from "./context.js";

export interface ApiKeyRow {
  id: string;
  name: string;
  scopes: string[];
  userId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export async function listApiKeys(deps: EntitlementAdminDeps, actor: AdminActor): Promise<ApiKeyRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{
    id: string;
    name: string;
    scopes: string[];
    user_id: string | null;
    created_at: unknown;
    revoked_at: unknown;
  }>("SELECT id, name, scopes, user_id, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id");
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scopes: r.scopes,
    userId: r.user_id,
    createdAt: iso(r.created_at),
    revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
  }));
}

/** Create an API key bound to a user (shown once, in the result). */
export async function createApiKey(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { name: string; userId: string; scopes: ApiKeyScope[] },
): Promise<{ id: string; key: string }> {
  if (!input.name.trim()) throw new EntitlementError("invalid_request", "name: must not be empty");
  if (input.scopes.length === 0) throw new EntitlementError("invalid_request", "scopes: at least one");
  await mustExist(deps.database, "User", input.userId);
  await deps.authorizer.require(actor.userId, "admin:key.write", { kind: "api-key", subject: input.userId });
  // insertApiKey records the change itself, in the transaction that creates the key.
  return insertApiKey(deps.database, {
    name: input.name.trim(),
    kind: "user",
    userId: input.userId,
    scopes: input.scopes,
    actor: `User::${actor.userId}`,
  });
}

export async function revokeApiKey(deps: EntitlementAdminDeps, actor: AdminActor, keyId: string): Promise<void> {
  const [key] = await deps.database.query<{ user_id: string | null; revoked_at: unknown }>(
    "SELECT user_id, revoked_at FROM api_keys WHERE id = $1",
    [keyId],
  );
  if (!key) throw new EntitlementError("not_found", `API key ${keyId} does not exist`);
  if (key.revoked_at !== null) throw new EntitlementError("conflict", `API key ${keyId} is already revoked`);
  await change(
    deps,
    actor,
    "admin:key.write",
    { kind: "api-key", ...(key.user_id ? { subject: key.user_id } : {}) },
    { action: "api_key.revoke", target: `ApiKey::${keyId}` },
    (tx) => tx.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [keyId]),
  );
}
