import { randomBytes } from "node:crypto";
import type { Database } from "@pea/migrations";
import type { EntityRef } from "@pea/schemas";
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

interface RunRow {
  id: string;
  principal: unknown;
  chain: unknown;
  intent: string;
  purpose: string | null;
  status: RunStatus;
  expires_at: Date | string;
  created_at: Date | string;
  created_by: string | null;
}

const parseJson = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    principal: parseJson(row.principal) as EntityRef,
    chain: parseJson(row.chain) as EntityRef[],
    intent: row.intent,
    purpose: row.purpose,
    status: row.status,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
  };
}

const columns = "id, principal, chain, intent, purpose, status, expires_at, created_at, created_by";

/** Start a run. `now` comes from the caller's clock (the engine's), so tests can move time. */
export async function startRun(
  database: Database,
  input: StartRunInput,
  options: { createdBy: string | null; now: Date },
): Promise<Run> {
  const ttl = Math.min(Math.max(1, input.ttlSeconds ?? DEFAULT_RUN_TTL_SECONDS), MAX_RUN_TTL_SECONDS);
  const expiresAt = new Date(options.now.getTime() + ttl * 1000);
  const chain = input.chain.map(({ type, id }) => ({ type, id }));
  const principal = { type: input.principal.type, id: input.principal.id };
  const id = newRunId();
  const row = await database.transaction(async (tx) => {
    const [inserted] = await tx.query<RunRow>(
      `INSERT INTO runs (id, principal, chain, intent, purpose, status, expires_at, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8) RETURNING ${columns}`,
      [
        id,
        JSON.stringify(principal),
        JSON.stringify(chain),
        input.intent,
        input.purpose ?? null,
        expiresAt.toISOString(),
        options.now.toISOString(),
        options.createdBy,
      ],
    );
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
      },
    });
    return inserted;
  });
  return toRun(row as RunRow);
}

/** One run by id, or undefined. */
export async function getRun(database: Database, id: string): Promise<Run | undefined> {
  const [row] = await database.query<RunRow>(`SELECT ${columns} FROM runs WHERE id = $1`, [id]);
  return row ? toRun(row) : undefined;
}

/** Whether a run accepts decisions at `now`: active and not expired. */
export function runIsLive(run: Run, now: Date): boolean {
  return run.status === "active" && run.expiresAt.getTime() > now.getTime();
}

const sameRef = (a: EntityRef | undefined, b: EntityRef | undefined) =>
  a !== undefined && b !== undefined && a.type === b.type && a.id === b.id;

/** Whether a request's principal, chain and intent are exactly the run's. */
export function matchesRun(
  run: Pick<Run, "principal" | "chain" | "intent">,
  request: { principal: EntityRef; chain: EntityRef[]; intent?: string | undefined },
): boolean {
  return (
    sameRef(run.principal, request.principal) &&
    run.chain.length === request.chain.length &&
    run.chain.every((link, i) => sameRef(link, request.chain[i])) &&
    run.intent === request.intent
  );
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
  };
}
