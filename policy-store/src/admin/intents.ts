import type { Session } from "@pea/migrations";
import { adminActions } from "./authorizer.js";
import {
  type AdminActor,
  change,
  checkId,
  type EntitlementAdminDeps,
  EntitlementError,
  mapUnique,
  mustExist,
  requireView,
} from "./context.js";

type Capability = { action: string; resourceType: string };

export interface IntentRow {
  id: string;
  description: string;
  capabilities: Capability[];
  agents: string[];
}

export async function listIntents(deps: EntitlementAdminDeps, actor: AdminActor): Promise<IntentRow[]> {
  await requireView(deps, actor);
  const rows = await deps.database.query<{ id: string; description: string }>(
    "SELECT id, description FROM intents ORDER BY id",
  );
  const caps = await deps.database.query<{ intent_id: string; action: string; resource_type: string }>(
    "SELECT intent_id, action, resource_type FROM intent_capabilities ORDER BY action, resource_type",
  );
  const holders = await deps.database.query<{ agent_id: string; intent_id: string }>(
    "SELECT agent_id, intent_id FROM agent_intents ORDER BY agent_id",
  );
  return rows.map((r) => ({
    id: r.id,
    description: r.description,
    capabilities: caps
      .filter((c) => c.intent_id === r.id)
      .map((c) => ({ action: c.action, resourceType: c.resource_type })),
    agents: holders.filter((h) => h.intent_id === r.id).map((h) => h.agent_id),
  }));
}

function checkCapabilities(deps: EntitlementAdminDeps, capabilities: Capability[]): void {
  const schema = deps.schema();
  if (!schema) throw new EntitlementError("invalid_request", "the Cedar schema is not loaded");
  for (const [i, c] of capabilities.entries()) {
    const types = schema.actions.get(c.action);
    if (!types || (adminActions as readonly string[]).includes(c.action)) {
      throw new EntitlementError("invalid_request", `capabilities[${i}].action: ${c.action} is not an action`);
    }
    if (!types.has(c.resourceType)) {
      throw new EntitlementError(
        "invalid_request",
        `capabilities[${i}].resourceType: ${c.action} does not apply to ${c.resourceType} (it applies to ${[...types].join(", ")})`,
      );
    }
  }
}

export async function createIntent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  input: { id: string; description?: string | undefined; capabilities: Capability[] },
): Promise<void> {
  checkId("id", input.id);
  checkCapabilities(deps, input.capabilities);
  await change(
    deps,
    actor,
    "admin:intent.write",
    { kind: "intent" },
    { action: "intent.create", target: `Intent::${input.id}`, detail: { capabilities: input.capabilities } },
    async (tx) => {
      await tx
        .query("INSERT INTO intents (id, description) VALUES ($1, $2)", [input.id, input.description ?? ""])
        .catch((e) => mapUnique(e, `Intent::${input.id}`));
      await insertCapabilities(tx, input.id, input.capabilities);
    },
  );
}

/** Replace an intent's description and/or capability set. */
export async function updateIntent(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  id: string,
  input: { description?: string | undefined; capabilities?: Capability[] | undefined },
): Promise<void> {
  await mustExist(deps.database, "Intent", id);
  if (input.capabilities) checkCapabilities(deps, input.capabilities);
  await change(
    deps,
    actor,
    "admin:intent.write",
    { kind: "intent" },
    { action: "intent.update", target: `Intent::${id}`, detail: { ...input } },
    async (tx) => {
      if (input.description !== undefined) {
        await tx.query("UPDATE intents SET description = $2 WHERE id = $1", [id, input.description]);
      }
      if (input.capabilities) {
        await tx.query("DELETE FROM intent_capabilities WHERE intent_id = $1", [id]);
        await insertCapabilities(tx, id, input.capabilities);
      }
    },
  );
}

async function insertCapabilities(tx: Session, intentId: string, capabilities: Capability[]): Promise<void> {
  for (const c of capabilities) {
    await tx.query(
      "INSERT INTO intent_capabilities (intent_id, action, resource_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [intentId, c.action, c.resourceType],
    );
  }
}
