import type { ApiKeyKind, ApiKeyScope } from "@pea/schemas";
import { ApiKeyError, insertApiKey } from "../identity/api-keys.js";
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
  const rows = await deps.database.query<{
    id: string;
    name: string;
    kind: ApiKeyKind;
    scopes: string[];
    user_id: string | null;
    agents: string[];
    agent_groups: string[];
    created_by: string | null;
    created_at: unknown;
    revoked_at: unknown;
  }>(
    `SELECT id, name, kind, scopes, user_id, agents, agent_groups, created_by, created_at, revoked_at
     FROM api_keys ORDER BY created_at DESC, id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    scopes: r.scopes,
    userId: r.user_id,
    agents: r.agents,
    agentGroups: r.agent_groups,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
  }));
}

/** The kinds of key an administrator makes in the admin app (an admin key only from the CLI). */
export type AdminKeyKind = Exclude<ApiKeyKind, "admin">;

export interface NewAdminKey {
  name: string;
  kind: AdminKeyKind;
  /** A user key's person. */
  userId?: string | undefined;
  /** A service key's agents and agent groups. */
  agents?: string[] | undefined;
  agentGroups?: string[] | undefined;
  scopes: ApiKeyScope[];
}

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
