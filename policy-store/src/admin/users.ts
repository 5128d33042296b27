import { setPassword, verifyPassword } from "../identity/accounts.js";
import {
  type AdminActor,
  change,
  checkId,
  type EntitlementAdminDeps,
  EntitlementError,
  mapUnique,
  mustExist,
  type PrincipalStatus,
  type Ref,
  recordedActor,
  requireView,
} from "./context.js";
import { type PendingCredentialRequest, requestPasswordFor } from "./credential-requests.js";
import { parentsOf } from "./memberships.js";

export interface UserRow {
  id: string;
  displayName: string;
  email: string | null;
  status: string;
  memberOf: Ref[];
  hasPassword: boolean;
}

export async function listUsers(deps: EntitlementAdminDeps, actor: AdminActor): Promise<UserRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{
    id: string;
    display_name: string;
    email: string | null;
    status: string;
    has_password: boolean;
  }>(
    `SELECT u.id, u.display_name, u.email, u.status, (a.user_id IS NOT NULL) AS has_password
     FROM users u LEFT JOIN admin_accounts a ON a.user_id = u.id ORDER BY u.id`,
  );
  const parents = await parentsOf(deps.database, "User");
  return rows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    email: r.email,
    status: r.status,
    hasPassword: r.has_password,
    memberOf: parents.get(r.id) ?? [],
  }));
}

export async function createUser(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { id: string; displayName: string; email?: string | undefined },
): Promise<void> {
  checkId("id", input.id);
  if (!input.displayName.trim()) throw new EntitlementError("invalid_request", "displayName: must not be empty");
  await change(
    deps,
    actor,
    "admin:user.write",
    { kind: "user", subject: input.id },
    { action: "user.create", target: `User::${input.id}`, detail: { displayName: input.displayName } },
    (tx) =>
      tx
        .query("INSERT INTO users (id, display_name, email) VALUES ($1, $2, $3)", [
          input.id,
          input.displayName.trim(),
          input.email ?? null,
        ])
        .catch((e) => mapUnique(e, `User::${input.id}`)),
  );
}

export async function updateUser(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
  input: {
    displayName?: string | undefined;
    email?: string | null | undefined;
    status?: PrincipalStatus | undefined;
  },
): Promise<void> {
  await mustExist(deps.database, "User", id);
  if (input.displayName !== undefined && !input.displayName.trim()) {
    throw new EntitlementError("invalid_request", "displayName: must not be empty");
  }
  await change(
    deps,
    actor,
    "admin:user.write",
    { kind: "user", subject: id },
    { action: "user.update", target: `User::${id}`, detail: { ...input } },
    (tx) =>
      tx.query(
        `UPDATE users SET display_name = coalesce($2, display_name),
           email = CASE WHEN $3::boolean THEN $4 ELSE email END,
           status = coalesce($5, status) WHERE id = $1`,
        [id, input.displayName?.trim() ?? null, input.email !== undefined, input.email ?? null, input.status ?? null],
      ),
  );
}

/**
 * An administrator sets another person's local password (never their own: see changeOwnPassword).
 * It takes a second administrator: this files the request (credential-requests.ts); the approval
 * sets the password, which must then be changed at its first sign-in.
 */
export async function setUserPassword(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
  password: string,
): Promise<PendingCredentialRequest> {
  await mustExist(deps.database, "User", id);
  return requestPasswordFor(deps, actor, id, password);
}

/** Anyone signed in changes their own password, proving the current one. */
export async function changeOwnPassword(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  current: string,
  next: string,
): Promise<void> {
  const [row] = await deps.database.query<{ password_hash: string }>(
    "SELECT password_hash FROM admin_accounts WHERE user_id = $1",
    [actor.userId],
  );
  if (!row || !(await verifyPassword(current, row.password_hash))) {
    throw new EntitlementError("invalid_request", "current: that is not your current password");
  }
  await setPassword(deps.database, actor.userId, next, { ...recordedActor(actor), detail: { via: actor.via } });
}
