import type { Database, Session } from "@pea/migrations";
import type { EntityRef } from "@pea/schemas";
import { PeaError } from "@pea/schemas";
import { type AuditEntry, type AuditRecord, changeRecord, type SideInsert } from "../audit/chain.js";
import type { EntityJson } from "../cedar/cedar.js";
import { decisionRecordWindow } from "../decision/random-ids.js";
import { objectInserts } from "./object-records.js";

/**
 * History: what allowed actions touched, kept by PEA itself. Policies read it as `context.history`:
 *
 *   context.history.run    what this run touched
 *   context.history.agent  what any agent of this chain touched, in any run (a sub-agent's reads
 *                          taint the agent that delegated to it, and the other way round)
 *   context.history.human  what was touched on behalf of this human (the outermost chain link)
 *   context.history.object the duties already performed on this business object (initiate,
 *                          approve, release), by which users and agents: separation of duties
 *
 * The first three cover the look-back window (EngineOptions.historyWindowSeconds). An allowed
 * action counts as touched unless its caller reports it did not execute (POST
 * /v1/decisions/{id}/outcome with failed or aborted).
 *
 * The labels of a resource are read from its stored governance attributes, never from the caller:
 * every reference to an Issuer, Segment, Patient or Compartment, its `classification`, and, when
 * the resource is MNPI (`mnpi: true`), its issuers as MNPI issuers. Each label kind is one field of
 * the schema's `Touched` record (schemas/pea.cedarschema); add a kind in both places.
 */
const LABEL_FIELDS = [
  { field: "issuers", prefix: "Issuer::", type: "Issuer" },
  { field: "mnpiIssuers", prefix: "mnpi:Issuer::", type: "Issuer" },
  { field: "segments", prefix: "Segment::", type: "Segment" },
  { field: "patients", prefix: "Patient::", type: "Patient" },
  { field: "compartments", prefix: "Compartment::", type: "Compartment" },
  { field: "classifications", prefix: "classification:" },
] as const;

const LABELLED_TYPES = new Set(["Issuer", "Segment", "Patient", "Compartment"]);

/** The duties recorded on business objects: the verb of the action (payment:approve → approve). */
export const DUTIES = ["initiate", "approve", "release"] as const;

export const HISTORY_SCOPES = ["run", "agent", "human"] as const;
export type HistoryScope = (typeof HISTORY_SCOPES)[number];

/** The labels a stored resource carries: what touching it adds to history. */
export function labelsOf(entity: EntityJson): string[] {
  const attrs = (entity.attrs ?? {}) as Record<string, unknown>;
  const labels = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const ref = (value as { __entity?: { type?: unknown; id?: unknown } } | null)?.__entity;
    if (ref && typeof ref.type === "string" && typeof ref.id === "string" && LABELLED_TYPES.has(ref.type)) {
      labels.add(`${ref.type}::${ref.id}`);
      if (ref.type === "Issuer" && attrs.mnpi === true) labels.add(`mnpi:Issuer::${ref.id}`);
    }
  };
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "classification" && typeof value === "string") labels.add(`classification:${value}`);
    else visit(value);
  }
  for (const parent of entity.parents ?? []) {
    const p = parent as { type: string; id: string };
    if (LABELLED_TYPES.has(p.type)) labels.add(`${p.type}::${p.id}`);
  }
  return [...labels].sort();
}

/** Who acted: the agents of the chain (principal included) and the human at its outer end. */
export function actorsOf(request: { principal: EntityRef; chain: EntityRef[] }) {
  const links = [...request.chain, request.principal];
  const outermost = links[0];
  return {
    agents: [...new Set(links.filter((l) => l.type === "Agent").map((l) => l.id))],
    users: [...new Set(links.filter((l) => l.type === "User").map((l) => l.id))],
    human: outermost?.type === "User" ? outermost.id : null,
  };
}

export interface HistoryQuery {
  runId: string | null;
  agents: string[];
  human: string | null;
  /** Only touches at or after this time count. */
  since: Date;
  /** The business object whose duties to load, if the resource is one. */
  object?: { type: string; id: string } | undefined;
}

/** Labels by scope and duties on the object, as read from the store. */
export interface HistoryFacts {
  scopes: Record<HistoryScope, Set<string>>;
  duties: Map<string, { users: Set<string>; agents: Set<string> }>;
}

interface HistoryRow {
  kind: "t" | "o";
  in_run: boolean | null;
  by_agent: boolean | null;
  by_human: boolean | null;
  labels: string[] | null;
  duty: string | null;
  users: string[] | null;
  agents: string[] | null;
}

/**
 * One statement: the touches of this run/agents/human in the window, and the object's duties.
 * Raw SQL: it runs inside decisions, where drizzle adds 60–160 µs a read (Session.query).
 */
export async function loadHistory(database: Session, q: HistoryQuery): Promise<HistoryFacts> {
  const params: unknown[] = [q.runId, q.agents, q.human, q.since.toISOString()];
  // Labels are aggregated in the statement: a run that touched the same data a thousand times
  // still returns one row per label.
  let sql = `SELECT 't' AS kind, bool_or(run_id = $1) AS in_run, bool_or(agents && $2::text[]) AS by_agent,
      bool_or(human = $3) AS by_human, ARRAY[label] AS labels, NULL::text AS duty, NULL::text[] AS users,
      NULL::text[] AS agents
    FROM touches, unnest(labels) AS label
    WHERE NOT undone AND at >= $4 AND (run_id = $1 OR agents && $2::text[] OR human = $3)
    GROUP BY label`;
  if (q.object) {
    params.push(q.object.type, q.object.id);
    sql += `
    UNION ALL
    SELECT 'o', NULL, NULL, NULL, NULL, duty, users, agents
    FROM object_duties WHERE NOT undone AND object_type = $5 AND object_id = $6`;
  }
  const rows = await database.query<HistoryRow>(sql, params);
  const facts: HistoryFacts = {
    scopes: { run: new Set(), agent: new Set(), human: new Set() },
    duties: new Map(),
  };
  for (const row of rows) {
    if (row.kind === "t") {
      for (const label of row.labels ?? []) {
        if (row.in_run) facts.scopes.run.add(label);
        if (row.by_agent) facts.scopes.agent.add(label);
        if (row.by_human) facts.scopes.human.add(label);
      }
    } else if (row.duty) {
      const duty = facts.duties.get(row.duty) ?? { users: new Set(), agents: new Set() };
      for (const u of row.users ?? []) duty.users.add(u);
      for (const a of row.agents ?? []) duty.agents.add(a);
      facts.duties.set(row.duty, duty);
    }
  }
  return facts;
}

export const emptyHistory = (): HistoryFacts => ({
  scopes: { run: new Set(), agent: new Set(), human: new Set() },
  duties: new Map(),
});

/** context.crossings: the issuers the human was brought over the wall for. */
export function crossingsContext(issuers: ReadonlySet<string>): unknown[] {
  return [...issuers].map((id) => entityValue("Issuer", id));
}

const entityValue = (type: string, id: string) => ({ __entity: { type, id } });

/** context.history in Cedar's JSON value form (the schema's `History` type). */
export function historyContext(facts: HistoryFacts): Record<string, unknown> {
  const scope = (labels: Set<string>) => {
    const out: Record<string, unknown[]> = {};
    for (const { field } of LABEL_FIELDS) out[field] = [];
    for (const label of labels) {
      // The longest matching prefix wins ("mnpi:Issuer::" before "Issuer::").
      for (const spec of LABEL_FIELDS) {
        if (!label.startsWith(spec.prefix)) continue;
        const id = label.slice(spec.prefix.length);
        (out[spec.field] as unknown[]).push("type" in spec ? entityValue(spec.type, id) : id);
        break;
      }
    }
    return out;
  };
  const object: Record<string, unknown> = {};
  for (const duty of DUTIES) {
    const done = facts.duties.get(duty);
    object[duty] = {
      users: [...(done?.users ?? [])].map((id) => entityValue("User", id)),
      agents: [...(done?.agents ?? [])].map((id) => entityValue("Agent", id)),
    };
  }
  return {
    run: scope(facts.scopes.run),
    agent: scope(facts.scopes.agent),
    human: scope(facts.scopes.human),
    object,
  };
}

/** What an allowed decision touched and which duty it performed (governance.ts decisionEffects). */
export interface DecisionEffects {
  /** When it was decided (the engine's clock, which scenarios may advance). */
  at: Date;
  agents: string[];
  users: string[];
  human: string | null;
  labels: string[];
  /** Set when the resource is a business object: the duty performed on it, and how it was described. */
  object?: { type: string; id: string; duty: string; attributes?: Record<string, unknown> | undefined } | undefined;
}

/** The effects of one decision with what its decision record already holds. */
export interface Effects extends DecisionEffects {
  decisionId: string;
  apiKeyId: string | null;
  runId: string | null;
}

/** One statement inserting `rows` (none when there are no rows). */
const rowsInsert = (rows: object[], sql: SideInsert["sql"]): SideInsert[] =>
  rows.length === 0 ? [] : [{ rows: JSON.stringify(rows), sql }];

/**
 * The rows that record effects, as inserts that go with the decisions' audit records in the same
 * statement or transaction (decision-log.ts, audit-chain.ts): a touch is durable exactly when its
 * decision is. Only the tables a batch needs are named.
 */
export function effectInserts(list: Effects[]): SideInsert[] {
  const touches = list
    .filter((e) => e.labels.length > 0)
    .map((e) => ({
      decision_id: e.decisionId,
      at: e.at.toISOString(),
      run_id: e.runId,
      agents: e.agents,
      human: e.human,
      labels: e.labels,
      api_key_id: e.apiKeyId,
    }));
  const touchRows = rowsInsert(
    touches,
    (param, guard) =>
      `INSERT INTO touches (decision_id, at, run_id, agents, human, labels, api_key_id)
         SELECT t.decision_id, t.at, t.run_id, t.agents, t.human, t.labels, t.api_key_id
         FROM jsonb_to_recordset(${param}) AS t(decision_id text, at timestamptz, run_id text, agents text[],
           human text, labels text[], api_key_id text) ${guard}`,
  );
  const duties = list.flatMap((e) =>
    e.object
      ? [
          {
            decision_id: e.decisionId,
            at: e.at.toISOString(),
            object_type: e.object.type,
            object_id: e.object.id,
            duty: e.object.duty,
            users: e.users,
            agents: e.agents,
            api_key_id: e.apiKeyId,
          },
        ]
      : [],
  );
  const dutyRows = rowsInsert(
    duties,
    (param, guard) =>
      `INSERT INTO object_duties (decision_id, at, object_type, object_id, duty, users, agents, api_key_id)
         SELECT d.decision_id, d.at, d.object_type, d.object_id, d.duty, d.users, d.agents, d.api_key_id
         FROM jsonb_to_recordset(${param}) AS d(decision_id text, at timestamptz, object_type text, object_id text,
           duty text, users text[], agents text[], api_key_id text) ${guard}`,
  );
  return [
    ...touchRows,
    ...dutyRows,
    ...objectInserts(
      list.flatMap((e) =>
        e.object?.attributes ? [{ ...e.object, attributes: e.object.attributes, decisionId: e.decisionId }] : [],
      ),
    ),
  ];
}

export const outcomeStatuses = ["executed", "failed", "aborted"] as const;
export type OutcomeStatus = (typeof outcomeStatuses)[number];

export class OutcomeError extends PeaError {
  declare readonly code: "not_found" | "conflict" | "forbidden";
  constructor(code: "not_found" | "conflict" | "forbidden", message: string) {
    super(code, message);
  }
}

/** A reported outcome, as decision_outcomes holds it. */
export interface OutcomeRow {
  decision_id: string;
  status: OutcomeStatus;
  detail: string | null;
  reported_at: string;
  reported_by: string;
}

/** Writes an outcome's audit record and its rows together, durably (DecisionLog.recordOutcome). */
export interface OutcomeWriter {
  recordOutcome(record: AuditRecord, outcome: OutcomeRow): Promise<AuditEntry>;
}

/**
 * The rows that record outcomes, as side inserts of their audit records' statement or transaction
 * (decision-log.ts): the outcome, and for a decision that did not execute its touches and duty
 * undone. A second report of one decision breaks decision_outcomes' key, and nothing of it is written.
 */
export function outcomeInserts(list: OutcomeRow[]): SideInsert[] {
  if (list.length === 0) return [];
  const inserts: SideInsert[] = [
    {
      rows: JSON.stringify(list),
      sql: (param, guard) =>
        `INSERT INTO decision_outcomes (decision_id, status, detail, reported_at, reported_by)
         SELECT o.decision_id, o.status, o.detail, o.reported_at, o.reported_by
         FROM jsonb_to_recordset(${param}) AS o(decision_id text, status text, detail text, reported_at timestamptz,
           reported_by text) ${guard}`,
    },
  ];
  const undone = list.filter((o) => o.status !== "executed").map((o) => ({ decision_id: o.decision_id }));
  if (undone.length === 0) return inserts;
  // = ANY(ARRAY(…)): the ids are read once and each row found by its key, whatever the planner
  // guesses of the record set's size.
  const undo = (table: "touches" | "object_duties"): SideInsert => ({
    rows: JSON.stringify(undone),
    sql: (param, guard) =>
      `UPDATE ${table} SET undone = true WHERE decision_id = ANY(ARRAY(
         SELECT u.decision_id FROM jsonb_to_recordset(${param}) AS u(decision_id text) ${guard}))`,
  });
  return [...inserts, undo("touches"), undo("object_duties")];
}

/**
 * Record what became of an allowed decision, once. A decision that did not execute (failed,
 * aborted) no longer counts as touched, nor as a duty performed. Only the API key that asked for
 * the decision may report on it.
 *
 * One statement reads what the checks need; the outcome, its undoing of history and its audit
 * record are then one write of the log's group-commit writer, answered once durable. Two reports
 * racing past the checks meet at decision_outcomes' key: the second is refused, nothing of it kept.
 */
export async function reportOutcome(
  database: Database,
  log: OutcomeWriter,
  input: { decisionId: string; status: OutcomeStatus; detail?: string | undefined },
  options: { apiKeyId: string; now: Date; isAdmin?: boolean },
): Promise<{ decisionId: string; status: OutcomeStatus; reportedAt: string }> {
  // The decision's owner from its effects, else (an allow that touched nothing) from its audit
  // record, read only when there are no effects; whether it was reported; who made the reporting key.
  // The record is looked for around the time its id was made: unbounded, planning and probing every
  // month partition of the log made this read cost more than a decision.
  const window = decisionRecordWindow(input.decisionId);
  if (!window) throw new OutcomeError("not_found", `no allowed decision ${input.decisionId}`);
  const facts = await database.query<{ source: "effects" | "logged" | "outcome" | "key"; value: string | null }>(
    `WITH effects AS (
       SELECT api_key_id FROM touches WHERE decision_id = $1
       UNION ALL SELECT api_key_id FROM object_duties WHERE decision_id = $1
     )
     SELECT 'effects' AS source, api_key_id AS value FROM effects
     UNION ALL SELECT 'logged', record ->> 'apiKeyId' FROM audit_log
       WHERE NOT EXISTS (SELECT 1 FROM effects) AND ref = $1 AND kind = 'decision' AND decision = 'allow'
         AND time >= $3 AND time < $4
     UNION ALL SELECT 'outcome', NULL FROM decision_outcomes WHERE decision_id = $1
     UNION ALL SELECT 'key', created_by FROM api_keys WHERE id = $2`,
    [input.decisionId, options.apiKeyId, window.from.toISOString(), window.to.toISOString()],
  );
  const decided = facts.find((f) => f.source === "effects" || f.source === "logged");
  if (!decided) throw new OutcomeError("not_found", `no allowed decision ${input.decisionId}`);
  if (decided.value !== null && decided.value !== options.apiKeyId && !options.isAdmin) {
    throw new OutcomeError("forbidden", "only the API key that asked for the decision may report its outcome");
  }
  const conflict = () => new OutcomeError("conflict", `the outcome of ${input.decisionId} was already reported`);
  if (facts.some((f) => f.source === "outcome")) throw conflict();
  const reportedAt = options.now.toISOString();
  // Lineage: the outcome joins the decision in the audit log, made with the reporting key.
  const record = changeRecord(
    {
      actor: `key:${options.apiKeyId}`,
      action: "decision.outcome",
      target: `Decision::${input.decisionId}`,
      detail: { status: input.status, ...(input.detail !== undefined ? { detail: input.detail } : {}) },
    },
    { apiKeyId: options.apiKeyId, apiKeyCreatedBy: facts.find((f) => f.source === "key")?.value ?? null },
  );
  const outcome: OutcomeRow = {
    decision_id: input.decisionId,
    status: input.status,
    detail: input.detail ?? null,
    reported_at: reportedAt,
    reported_by: options.apiKeyId,
  };
  await log.recordOutcome(record, outcome).catch((error: unknown) => {
    throw (error as { code?: unknown }).code === UNIQUE_VIOLATION ? conflict() : error;
  });
  return { decisionId: input.decisionId, status: input.status, reportedAt };
}

const UNIQUE_VIOLATION = "23505";
