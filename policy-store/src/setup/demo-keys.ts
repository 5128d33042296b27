import { type Database, tables } from "@pea/migrations";
import type { ApiKeyKind, ApiKeyScope } from "@pea/schemas";
import { eq } from "drizzle-orm";
import { createApiKey } from "../identity/api-keys.js";

export interface DemoKey {
  /** Whose credential it is: a user id, an agent id, or "gateway". */
  holder: string;
  kind: ApiKeyKind;
  id: string;
  key: string;
}

/**
 * Credentials for the demo: each user's own key (they start runs and answer approvals), each
 * agent's runtime key (it asks for its agent, with the runs its humans start), and one gateway key
 * (the MCP gateway; AuthZEN enforcement points). Made on demand, shown once.
 */
export async function createDemoKeys(database: Database, actor: string): Promise<DemoKey[]> {
  const { users: userTable, agents: agentTable } = tables;
  const users = await database.db.select({ id: userTable.id }).from(userTable).orderBy(userTable.id);
  const agents = await database.db
    .select({ id: agentTable.id })
    .from(agentTable)
    .where(eq(agentTable.status, "active"))
    .orderBy(agentTable.id);
  const made: DemoKey[] = [];
  const make = async (holder: string, kind: ApiKeyKind, scopes: ApiKeyScope[], binding: object) => {
    const { id, key } = await createApiKey(database, { name: `demo-${holder}`, kind, scopes, actor, ...binding });
    made.push({ holder, kind, id, key });
  };
  for (const { id } of users) await make(id, "user", ["authorize", "runs", "approvals"], { userId: id });
  for (const { id } of agents) await make(id, "service", ["authorize", "runs"], { agents: [id] });
  await make("gateway", "gateway", ["authorize"], {});
  return made;
}
