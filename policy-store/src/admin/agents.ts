import { type Session, tables } from "@pea/migrations";
import { and, eq } from "drizzle-orm";
import type { AdminActor, EntitlementAdminDeps, PrincipalStatus, Ref } from "./context.js";
import { change, EntitlementError, mustExist, requireView, rowCreator } from "./context.js";
import { parentsOf } from "./memberships.js";

const { agents, agentIntents, agentDelegations, users } = tables;

export interface AgentRow {
  id: string;
  owner: string;
  description: string;
  status: string;
  intents: string[];
  memberOf: Ref[];
  delegableBy: string[];
}

export async function listAgents(deps: EntitlementAdminDeps, actor: AdminActor): Promise<AgentRow[]> {
  await requireView(deps, actor);
  const { db } = deps.database;
  const rows = await db
    .select({ id: agents.id, owner: agents.ownerId, description: agents.description, status: agents.status })
    .from(agents)
    .orderBy(agents.id);
  const intents = await db.select().from(agentIntents).orderBy(agentIntents.intentId);
  const delegations = await db.select().from(agentDelegations).orderBy(agentDelegations.delegatorAgentId);
  const parents = await parentsOf(deps.database, "Agent");
  return rows.map((r) => ({
    ...r,
    intents: intents.filter((i) => i.agentId === r.id).map((i) => i.intentId),
    delegableBy: delegations.filter((d) => d.agentId === r.id).map((d) => d.delegatorAgentId),
    memberOf: parents.get(r.id) ?? [],
  }));
}

export const createAgent = rowCreator(
  (input: { id: string; owner: string; description?: string | undefined }, deps) => ({
    before: () => mustBeActiveOwner(deps.database, input.owner),
    permission: "admin:agent.write",
    // Owning an agent is an entitlement of the owner's: nobody registers an agent for themselves.
    target: { kind: "agent", subject: input.owner },
    record: { action: "agent.create", target: `Agent::${input.id}`, detail: { owner: input.owner } },
    insert: (tx) =>
      tx.db.insert(agents).values({ id: input.id, ownerId: input.owner, description: input.description ?? "" }),
  }),
);

export async function updateAgent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
  input: { owner?: string | undefined; description?: string | undefined; status?: PrincipalStatus | undefined },
): Promise<void> {
  const [current] = await deps.database.db.select({ owner: agents.ownerId }).from(agents).where(eq(agents.id, id));
  if (!current) throw new EntitlementError("not_found", `Agent::${id} does not exist`);
  const ownerChanges = input.owner !== undefined && input.owner !== current.owner;
  if (ownerChanges) await mustBeActiveOwner(deps.database, input.owner as string);
  await change(
    deps,
    actor,
    "admin:agent.write",
    { kind: "agent", agent: id, ...(ownerChanges ? { subject: input.owner } : {}) },
    { action: "agent.update", target: `Agent::${id}`, detail: { ...input } },
    // Drizzle leaves out the fields not given; `id` keeps a statement to run when none is.
    (tx) =>
      tx.db
        .update(agents)
        .set({ id, ownerId: input.owner, description: input.description, status: input.status })
        .where(eq(agents.id, id)),
  );
}

/** Grant (`held` true) or revoke an intent; refused when the agent already holds it, or does not. */
async function setAgentIntent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  agentId: string,
  intentId: string,
  held: boolean,
): Promise<void> {
  await mustExist(deps.database, "Agent", agentId);
  if (held) await mustExist(deps.database, "Intent", intentId);
  const verb = held ? "grant" : "revoke";
  await change(
    deps,
    actor,
    `admin:agent-intent.${verb}`,
    { kind: "agent-intent", agent: agentId },
    { action: `agent_intent.${verb}`, target: `Agent::${agentId}`, detail: { intent: intentId } },
    async (tx) => {
      const changed = held
        ? await insertAgentIntent(tx, agentId, intentId, actor)
        : await deleteAgentIntent(tx, agentId, intentId);
      if (changed.length > 0) return;
      if (held) throw new EntitlementError("conflict", `Agent::${agentId} already holds ${intentId}`);
      throw new EntitlementError("not_found", `Agent::${agentId} does not hold ${intentId}`);
    },
  );
}

const insertAgentIntent = (tx: Session, agentId: string, intentId: string, actor: AdminActor) =>
  tx.db
    .insert(agentIntents)
    .values({ agentId, intentId, grantedBy: `User::${actor.userId}` })
    .onConflictDoNothing()
    .returning({ agentId: agentIntents.agentId });

const deleteAgentIntent = (tx: Session, agentId: string, intentId: string) =>
  tx.db
    .delete(agentIntents)
    .where(and(eq(agentIntents.agentId, agentId), eq(agentIntents.intentId, intentId)))
    .returning({ agentId: agentIntents.agentId });

export const grantAgentIntent = (deps: EntitlementAdminDeps, actor: AdminActor, agentId: string, intentId: string) =>
  setAgentIntent(deps, actor, agentId, intentId, true);

export const revokeAgentIntent = (deps: EntitlementAdminDeps, actor: AdminActor, agentId: string, intentId: string) =>
  setAgentIntent(deps, actor, agentId, intentId, false);

async function mustBeActiveOwner(session: Session, owner: string): Promise<void> {
  const [row] = await session.db.select({ status: users.status }).from(users).where(eq(users.id, owner));
  if (!row)
    throw new EntitlementError("not_found", `owner: User::${owner} does not exist (every agent needs an owner)`);
  if (row.status !== "active") {
    throw new EntitlementError("invalid_request", `owner: User::${owner} is ${row.status}; an owner must be active`);
  }
}
