import type { Database } from "@pea/migrations";
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
  requireView,
} from "./context.js";
import { parentsOf } from "./memberships.js";

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
  const rows = await deps.database.query<{ id: string; owner_id: string; description: string; status: string }>(
    "SELECT id, owner_id, description, status FROM agents ORDER BY id",
  );
  const intents = await deps.database.query<{ agent_id: string; intent_id: string }>(
    "SELECT agent_id, intent_id FROM agent_intents ORDER BY intent_id",
  );
  const delegations = await deps.database.query<{ agent_id: string; delegator_agent_id: string }>(
    "SELECT agent_id, delegator_agent_id FROM agent_delegations ORDER BY delegator_agent_id",
  );
  const parents = await parentsOf(deps.database, "Agent");
  return rows.map((r) => ({
    id: r.id,
    owner: r.owner_id,
    description: r.description,
    status: r.status,
    intents: intents.filter((i) => i.agent_id === r.id).map((i) => i.intent_id),
    delegableBy: delegations.filter((d) => d.agent_id === r.id).map((d) => d.delegator_agent_id),
    memberOf: parents.get(r.id) ?? [],
  }));
}

export async function createAgent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { id: string; owner: string; description?: string | undefined },
): Promise<void> {
  checkId("id", input.id);
  await mustBeActiveOwner(deps.database, input.owner);
  await change(
    deps,
    actor,
    "admin:agent.write",
    // Owning an agent is an entitlement of the owner's: nobody registers an agent for themselves.
    { kind: "agent", subject: input.owner },
    { action: "agent.create", target: `Agent::${input.id}`, detail: { owner: input.owner } },
    (tx) =>
      tx
        .query("INSERT INTO agents (id, owner_id, description) VALUES ($1, $2, $3)", [
          input.id,
          input.owner,
          input.description ?? "",
        ])
        .catch((e) => mapUnique(e, `Agent::${input.id}`)),
  );
}

export async function updateAgent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
  input: { owner?: string | undefined; description?: string | undefined; status?: PrincipalStatus | undefined },
): Promise<void> {
  const [current] = await deps.database.query<{ owner_id: string }>("SELECT owner_id FROM agents WHERE id = $1", [id]);
  if (!current) throw new EntitlementError("not_found", `Agent::${id} does not exist`);
  const ownerChanges = input.owner !== undefined && input.owner !== current.owner_id;
  if (ownerChanges) await mustBeActiveOwner(deps.database, input.owner as string);
  await change(
    deps,
    actor,
    "admin:agent.write",
    { kind: "agent", agent: id, ...(ownerChanges ? { subject: input.owner } : {}) },
    { action: "agent.update", target: `Agent::${id}`, detail: { ...input } },
    (tx) =>
      tx.query(
        `UPDATE agents SET owner_id = coalesce($2, owner_id), description = coalesce($3, description),
           status = coalesce($4, status) WHERE id = $1`,
        [id, input.owner ?? null, input.description ?? null, input.status ?? null],
      ),
  );
}

export async function grantAgentIntent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  agentId: string,
  intentId: string,
): Promise<void> {
  await mustExist(deps.database, "Agent", agentId);
  await mustExist(deps.database, "Intent", intentId);
  await change(
    deps,
    actor,
    "admin:agent-intent.grant",
    { kind: "agent-intent", agent: agentId },
    { action: "agent_intent.grant", target: `Agent::${agentId}`, detail: { intent: intentId } },
    async (tx) => {
      const rows = await tx.query(
        "INSERT INTO agent_intents (agent_id, intent_id, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
        [agentId, intentId, `User::${actor.userId}`],
      );
      if (rows.length === 0) throw new EntitlementError("conflict", `Agent::${agentId} already holds ${intentId}`);
    },
  );
}

export async function revokeAgentIntent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  agentId: string,
  intentId: string,
): Promise<void> {
  await mustExist(deps.database, "Agent", agentId);
  await change(
    deps,
    actor,
    "admin:agent-intent.revoke",
    { kind: "agent-intent", agent: agentId },
    { action: "agent_intent.revoke", target: `Agent::${agentId}`, detail: { intent: intentId } },
    async (tx) => {
      const rows = await tx.query("DELETE FROM agent_intents WHERE agent_id = $1 AND intent_id = $2 RETURNING 1", [
        agentId,
        intentId,
      ]);
      if (rows.length === 0) throw new EntitlementError("not_found", `Agent::${agentId} does not hold ${intentId}`);
    },
  );
}

async function mustBeActiveOwner(database: Database, owner: string): Promise<void> {
  const [row] = await database.query<{ status: string }>("SELECT status FROM users WHERE id = $1", [owner]);
  if (!row)
    throw new EntitlementError("not_found", `owner: User::${owner} does not exist (every agent needs an owner)`);
  if (row.status !== "active") {
    throw new EntitlementError("invalid_request", `owner: User::${owner} is ${row.status}; an owner must be active`);
  }
}
