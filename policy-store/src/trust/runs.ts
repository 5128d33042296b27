import { randomBytes } from "node:crypto";
import { type Database, tables } from "@pea/migrations";
import type { EntityRef } from "@pea/schemas";
import { eq, sql } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";

/**
 * Runs: one delegated task carried out by a principal for a chain under an intent. A decision that
 * names its run must match it (principal, chain, intent) and the run must be active and unexpired.
 * Supervision (pause/resume/cancel) only ever changes `status`; see runStatuses.
 */
export const runStatuses = ["active", "paused", "cancelled", "completed"] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface Run {
  id: string;
  principal: EntityRef;
  chain: EntityRef[];
  intent: string;
  purpose: string | null;
  status: RunStatus;
  expiresAt: Date;
  createdAt: Date;
  createdBy: string | null;
  /** The human who started the run, authenticated; null when its chain holds no human. */
  startedBy: string | null;
  /** Agents admitted as the principal's sub-agents: they act with chain = run.chain + [run.principal]. */
  subAgents: string[];
}

export interface StartRunInput {
  principal: EntityRef;
  chain: EntityRef[];
  intent: string;
  purpose?: string | undefined;
  ttlSeconds?: number | undefined;
}

export const DEFAULT_RUN_TTL_SECONDS = 3600;
export const MAX_RUN_TTL_SECONDS = 7 * 24 * 3600;

export function newRunId(): string {
  return `run_${Date.now().toString(36)}${randomBytes(10).toString("hex")}`;
}

const { runs } = tables;

/** A runs row: as drizzle types it, or as getRun's raw read gives it (same names, jsonb parsed by both drivers). */
type RunRow = Omit<typeof runs.$inferSelect, "expiresAt" | "createdAt"> & {
  expiresAt: Date | string;
  createdAt: Date | string;
};

function toRun(row: RunRow): Run {
  return {
    ...row,
    principal: row.principal as EntityRef,
    status: row.status as RunStatus,
    expiresAt: new Date(row.expiresAt),
    createdAt: new Date(row.createdAt),
  };
}

// getRun's raw read, under the names drizzle gives the columns.
const rawColumns = `id, principal, chain, intent, purpose, status, expires_at AS "expiresAt", created_at AS "createdAt",
  created_by AS "createdBy", started_by AS "startedBy", sub_agents AS "subAgents"`;

/** Start a run. `now` comes from the caller's clock (the engine's), so tests can move time. */
export async function startRun(
  database: Database,
  input: StartRunInput,
  options: { createdBy: string | null; startedBy: string | null; now: Date },
): Promise<Run> {
  const ttl = Math.min(Math.max(1, input.ttlSeconds ?? DEFAULT_RUN_TTL_SECONDS), MAX_RUN_TTL_SECONDS);
  const expiresAt = new Date(options.now.getTime() + ttl * 1000);
  const chain = input.chain.map(({ type, id }) => ({ type, id }));
  const principal = { type: input.principal.type, id: input.principal.id };
  const id = newRunId();
  const row = await database.transaction(async (tx) => {
    const [inserted] = await tx.db
      .insert(runs)
      .values({
        id,
        principal,
        chain,
        intent: input.intent,
        purpose: input.purpose ?? null,
        status: "active",
        expiresAt,
        createdAt: options.now,
        createdBy: options.createdBy,
        startedBy: options.startedBy,
      })
      .returning();
    await recordChange(tx, {
      actor: options.createdBy ? `key:${options.createdBy}` : "system",
      action: "run.start",
      target: `Run::${id}`,
      run: id,
      detail: {
        principal,
        chain,
        intent: input.intent,
        purpose: input.purpose ?? null,
        expiresAt: expiresAt.toISOString(),
        startedBy: options.startedBy,
      },
    });
    return inserted;
  });
  if (!row) throw new Error(`run ${id} was not stored`);
  return toRun(row);
}

/**
 * One run by id, or undefined. Raw: a decision that names its run reads it here (decision/facts.ts),
 * where drizzle costs: a point read took 146 µs raw, 204 through the query builder and 174 through
 * the `sql` template on Postgres; 144, 315 and 283 µs on PGlite (npm run bench:drizzle, median of 7
 * alternating rounds × 2,000 calls).
 */
export async function getRun(database: Database, id: string): Promise<Run | undefined> {
  const [row] = await database.query<RunRow>(`SELECT ${rawColumns} FROM runs WHERE id = $1`, [id]);
  return row ? toRun(row) : undefined;
}

/** Whether a run accepts decisions at `now`: active and not expired. */
export function runIsLive(run: Run, now: Date): boolean {
  return run.status === "active" && run.expiresAt.getTime() > now.getTime();
}

const sameRef = (a: EntityRef | undefined, b: EntityRef | undefined) =>
  a !== undefined && b !== undefined && a.type === b.type && a.id === b.id;

/**
 * Whether a request's principal, chain and intent are exactly the run's, or those of one of its
 * sub-agents (principal: the sub-agent; chain: the run's chain, then the run's principal).
 */
export function matchesRun(
  run: Pick<Run, "principal" | "chain" | "intent"> & Partial<Pick<Run, "subAgents">>,
  request: { principal: EntityRef; chain: EntityRef[]; intent?: string | undefined },
): boolean {
  const sameChain = (chain: EntityRef[]) =>
    chain.length === request.chain.length && chain.every((link, i) => sameRef(link, request.chain[i]));
  if (run.intent !== request.intent) return false;
  if (sameRef(run.principal, request.principal)) return sameChain(run.chain);
  return (
    request.principal.type === "Agent" &&
    (run.subAgents ?? []).includes(request.principal.id) &&
    sameChain([...run.chain, run.principal])
  );
}

/**
 * Admit a registered agent as a sub-agent of the run's principal: its decisions then land in this
 * run and its lineage (policies still judge every link: delegation is checked and attenuates).
 */
export async function admitSubAgent(
  database: Database,
  runId: string,
  agent: string,
  actor: string,
): Promise<Run | undefined> {
  return database.transaction(async (tx) => {
    const held = runs.subAgents;
    const [row] = await tx.db
      .update(runs)
      .set({
        subAgents: sql`CASE WHEN ${held} ? ${agent} THEN ${held} ELSE ${held} || jsonb_build_array(${agent}::text) END`,
      })
      .where(eq(runs.id, runId))
      .returning();
    if (!row) return undefined;
    await recordChange(tx, { actor, action: "run.sub_agent", target: `Run::${runId}`, run: runId, detail: { agent } });
    return toRun(row);
  });
}

/** The run as the API shows it. */
export function describeRun(run: Run) {
  return {
    id: run.id,
    principal: run.principal,
    chain: run.chain,
    intent: run.intent,
    purpose: run.purpose,
    status: run.status,
    expiresAt: run.expiresAt.toISOString(),
    createdAt: run.createdAt.toISOString(),
    startedBy: run.startedBy,
    subAgents: run.subAgents,
  };
}
