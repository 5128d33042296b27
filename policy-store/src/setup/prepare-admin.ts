import { randomBytes } from "node:crypto";
import { type Database, tables } from "@pea/migrations";
import { count, eq } from "drizzle-orm";
import { setPassword } from "../identity/accounts.js";
import { applySeed } from "./seed.js";
import { adminRoleSeed, bankAdminSeed } from "./seeds/admin.js";

export interface PreparedAdmin {
  /** Set only when this call created the demo accounts: shown once, then forgotten. */
  demoPassword?: { password: string; generated: boolean; users: string[] };
}

/**
 * First-start work of the admin app: the role groups always; with the demo bank, its admins
 * (pat, grace), role memberships, and one local password for every demo user (given, or generated
 * and returned to be shown once). Idempotent: existing rows and accounts are left alone.
 */
export async function prepareAdmin(
  database: Database,
  options: { demo: boolean; demoPassword?: string | undefined },
): Promise<PreparedAdmin> {
  const { users: userTable, adminAccounts } = tables;
  const bank =
    options.demo &&
    (await database.db.select({ id: userTable.id }).from(userTable).where(eq(userTable.id, "carol"))).length > 0;
  await applySeed(database, bank ? bankAdminSeed : adminRoleSeed, "admin-bootstrap");
  if (!bank) return {};
  const [accounts] = await database.db.select({ n: count() }).from(adminAccounts);
  if ((accounts?.n ?? 0) > 0) return {};
  const users = ["alice", "bob", "carol", "dave", "erin", "pat", "grace"];
  const password = options.demoPassword ?? randomBytes(12).toString("base64url");
  for (const user of users) await setPassword(database, user, password, "admin-bootstrap");
  return { demoPassword: { password, generated: options.demoPassword === undefined, users } };
}
