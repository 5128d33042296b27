import { tables } from "@pea/migrations";
import { eq, sql } from "drizzle-orm";
import { setPassword, verifyPassword } from "../identity/accounts.js";
import type { AdminActor, EntitlementAdminDeps, PrincipalStatus, Ref } from "./context.js";
import { change, EntitlementError, mustExist, recordedActor, requireView, rowCreator } from "./context.js";
import { type PendingCredentialRequest, requestPasswordFor } from "./credential-requests.js";
import { parentsOf } from "./memberships.js";

const { users, adminAccounts } = tables;

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
  const rows = await deps.database.db
    .select({
      id: users.id,
      displayName: users.displayName,
      email: users.email,
      status: users.status,
      hasPassword: sql<boolean>`${adminAccounts.userId} IS NOT NULL`,
    })
    .from(users)
    .leftJoin(adminAccounts, eq(adminAccounts.userId, users.id))
    .orderBy(users.id);
  const parents = await parentsOf(deps.database, "User");
  return rows.map((r) => ({ ...r, memberOf: parents.get(r.id) ?? [] }));
}

const refuseEmptyName = (displayName: string | undefined) => {
  if (displayName !== undefined && !displayName.trim()) {
    throw new EntitlementError("invalid_request", "displayName: must not be empty");
  }
};

export const createUser = rowCreator((input: { id: string; displayName: string; email?: string | undefined }) => ({
  before: () => refuseEmptyName(input.displayName),
  permission: "admin:user.write",
  target: { kind: "user", subject: input.id },
  record: { action: "user.create", target: `User::${input.id}`, detail: { displayName: input.displayName } },
  insert: (tx) =>
    tx.db.insert(users).values({ id: input.id, displayName: input.displayName.trim(), email: input.email ?? null }),
}));

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
  refuseEmptyName(input.displayName);
  await change(
    deps,
    actor,
    "admin:user.write",
    { kind: "user", subject: id },
    { action: "user.update", target: `User::${id}`, detail: { ...input } },
    // Drizzle leaves out the fields not given (an email given as null clears it); `id` keeps a
    // statement to run when none is.
    (tx) =>
      tx.db
        .update(users)
        .set({ id, displayName: input.displayName?.trim(), email: input.email, status: input.status })
        .where(eq(users.id, id)),
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
  const [row] = await deps.database.db
    .select({ passwordHash: adminAccounts.passwordHash })
    .from(adminAccounts)
    .where(eq(adminAccounts.userId, actor.userId));
  if (!row || !(await verifyPassword(current, row.passwordHash))) {
    throw new EntitlementError("invalid_request", "current: that is not your current password");
  }
  await setPassword(deps.database, actor.userId, next, { ...recordedActor(actor), detail: { via: actor.via } });
}
