import { type Database, tables } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { eq } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import { type Actor, actorName } from "./revocations.js";
import { getRun, type Run, type RunStatus } from "./runs.js";

/**
 * Run supervision: pause, resume, cancel. Decisions read a run's status from the store
 * (governance.ts), so the next decision anywhere sees the change (deny run_inactive); unredeemed
 * artifacts of a paused or cancelled run fail redemption (artifacts.ts).
 */
export const supervisionActions = {
  pause: { from: ["active"], to: "paused" },
  resume: { from: ["paused"], to: "active" },
  cancel: { from: ["active", "paused"], to: "cancelled" },
} as const satisfies Record<string, { from: readonly RunStatus[]; to: RunStatus }>;
export type SupervisionAction = keyof typeof supervisionActions;

export class SupervisionError extends PeaError {}

export async function superviseRun(
  database: Database,
  id: string,
  action: SupervisionAction,
  actor: Actor,
  reason?: string | undefined,
): Promise<Run> {
  const { from, to } = supervisionActions[action];
  await database.transaction(async (tx) => {
    const { runs } = tables;
    const [row] = await tx.db.select({ status: runs.status }).from(runs).where(eq(runs.id, id)).for("update");
    if (!row) throw new SupervisionError("not_found", `run ${id} does not exist`);
    if (!(from as readonly string[]).includes(row.status)) {
      throw new SupervisionError(
        "conflict",
        `run ${id} is ${row.status}; it cannot be ${action === "pause" ? "paused" : action === "resume" ? "resumed" : "cancelled"}`,
      );
    }
    await tx.db.update(runs).set({ status: to }).where(eq(runs.id, id));
    await recordChange(tx, {
      actor: actorName(actor),
      apiKeyId: actor.apiKeyId,
      action: `run.${action}`,
      target: `Run::${id}`,
      run: id,
      detail: { from: row.status, to, reason: reason ?? null },
    });
  });
  return (await getRun(database, id)) as Run;
}
