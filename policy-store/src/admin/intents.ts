import { type Session, tables } from "@pea/migrations";
import { eq } from "drizzle-orm";
import { adminActions } from "./authorizer.js";
import type { AdminActor, EntitlementAdminDeps } from "./context.js";
import { change, EntitlementError, mustExist, requireView, rowCreator } from "./context.js";

const { intents, intentCapabilities, agentIntents } = tables;

type Capability = { action: string; resourceType: string };

export interface IntentRow {
  id: string;
  description: string;
  capabilities: Capability[];
  agents: string[];
}

export async function listIntents(deps: EntitlementAdminDeps, actor: AdminActor): Promise<IntentRow[]> {
  await requireView(deps, actor);
  const { db } = deps.database;
  const rows = await db.select().from(intents).orderBy(intents.id);
  const caps = await db
    .select()
    .from(intentCapabilities)
    .orderBy(intentCapabilities.action, intentCapabilities.resourceType);
  const holders = await db.select().from(agentIntents).orderBy(agentIntents.agentId);
  return rows.map((r) => ({
    ...r,
    capabilities: caps
      .filter((c) => c.intentId === r.id)
      .map((c) => ({ action: c.action, resourceType: c.resourceType })),
    agents: holders.filter((h) => h.intentId === r.id).map((h) => h.agentId),
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

export const createIntent = rowCreator(
  (input: { id: string; description?: string | undefined; capabilities: Capability[] }, deps) => ({
    before: () => checkCapabilities(deps, input.capabilities),
    permission: "admin:intent.write",
    target: { kind: "intent" },
    record: { action: "intent.create", target: `Intent::${input.id}`, detail: { capabilities: input.capabilities } },
    insert: async (tx) => {
      await tx.db.insert(intents).values({ id: input.id, description: input.description ?? "" });
      await insertCapabilities(tx, input.id, input.capabilities);
    },
  }),
);

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
        await tx.db.update(intents).set({ description: input.description }).where(eq(intents.id, id));
      }
      if (input.capabilities) {
        await tx.db.delete(intentCapabilities).where(eq(intentCapabilities.intentId, id));
        await insertCapabilities(tx, id, input.capabilities);
      }
    },
  );
}

async function insertCapabilities(tx: Session, intentId: string, capabilities: Capability[]): Promise<void> {
  if (capabilities.length === 0) return;
  await tx.db
    .insert(intentCapabilities)
    .values(capabilities.map((c) => ({ intentId, action: c.action, resourceType: c.resourceType })))
    .onConflictDoNothing();
}
