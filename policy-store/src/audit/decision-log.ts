import type { Database, Session } from "@pea/migrations";
import type { Obligation, Reason } from "@pea/schemas";
import type { Decision } from "../decision/decision.js";
import { appendInTurn, type HistoryGuard, HistoryMoved, historyMoved } from "../decision/scope-order.js";
import {
  type DecisionEffects,
  type Effects,
  effectInserts,
  type OutcomeRow,
  outcomeInserts,
} from "../governance/history.js";
import { holdsBroken, type RevocableParts, RevokedBeforeRecorded, stillHolds } from "../trust/revocations.js";
import {
  type AuditEntry,
  type AuditRecord,
  appendIfHead,
  appendLocked,
  type ChainHead,
  readHead,
  type SideInsert,
} from "./chain.js";

export interface DecisionRecord {
  id: string;
  principal: string;
  action: string;
  resource: string;
  intent: string | null;
  runId: string | null;
  decision: "allow" | "deny";
  reasons: Reason[];
  obligations?: Obligation[] | undefined;
  /** The request as received, evidence included: the log is for humans, not for policy. */
  request: unknown;
  determiningPolicies: string[];
  policyVersion: string;
  entitlementVersion: number;
  apiKeyId: string | null;
  /** Who made that key ("User::carol", "bootstrap", …): a decision names the person behind its key. */
  apiKeyCreatedBy?: string | null | undefined;
  /** The jti of the authorization artifact issued with an allow. */
  artifactId?: string | undefined;
  /** The approval this decision consumed or asked for, and who approved it. */
  approvalId?: string | undefined;
  approver?: string | undefined;
  /** Anything else that decided the outcome and an auditor needs (never secrets). */
  extra?: Record<string, unknown> | undefined;
  /**
   * What an allow touched and the duty it performed (governance.ts decisionEffects): written with
   * the audit record, atomically, and not part of it. Ignored on a deny.
   */
  effects?: DecisionEffects | undefined;
  /** What an allow's policies read of history: checked again at the write (decision/scope-order.ts). */
  guard?: HistoryGuard | undefined;
  /** What it was decided for that a revocation can name: an allow is written only while none is revoked. */
  revocable?: RevocableParts | undefined;
}

/** The audit record of one decision: what is hashed and stored in audit_log.record. */
export function decisionAuditRecord(record: DecisionRecord): AuditRecord {
  const request = record.request as { chain?: Array<{ type: string; id: string }> } | null;
  return {
    type: "decision",
    decisionId: record.id,
    principal: record.principal,
    chain: (request?.chain ?? []).map((link) => `${link.type}::${link.id}`),
    action: record.action,
    resource: record.resource,
    intent: record.intent,
    run: record.runId ?? undefined,
    decision: record.decision,
    reasons: record.reasons,
    obligations: record.obligations ?? [],
    determiningPolicies: record.determiningPolicies,
    policyVersion: record.policyVersion,
    entitlementVersion: record.entitlementVersion,
    apiKeyId: record.apiKeyId,
    ...(record.apiKeyCreatedBy ? { apiKeyCreatedBy: record.apiKeyCreatedBy } : {}),
    artifactId: record.artifactId,
    approvalId: record.approvalId,
    approver: record.approver,
    ...(record.extra ? { extra: record.extra } : {}),
    request: record.request,
  };
}

/** A record not written because its decision's deadline passed first (decision/deadline.ts). */
export class DeadlinePassed extends Error {
  constructor() {
    super("the decision's deadline passed before its record could be written");
  }
}

/** The record of an allow that became a deny before it was written (its target was revoked meanwhile). */
function deniedRecord(record: AuditRecord, denial: Decision): AuditRecord {
  return {
    ...record,
    decision: "deny",
    reasons: denial.reasons,
    obligations: [],
    determiningPolicies: [],
    artifactId: undefined,
    approvalId: undefined,
    approver: undefined,
  };
}

/** Called after every successful append (checkpointing). */
export type AppendListener = (last: AuditEntry, count: number) => void;
/** One write to the log (a batch of `records`), committed or failed, for metrics. */
export type WriteObserver = (write: { records: number; seconds: number; error?: Error }) => void;

/** What the writer has done since it started: batch sizes and time spent on the chain head. */
export interface AuditWriterStats {
  /** Committed writes (each one statement, or one transaction after a lost race). */
  writes: number;
  /** Records they held. */
  records: number;
  /** Writes whose optimistic append found the head moved by another writer (then written under its lock). */
  headConflicts: number;
  /** Seconds spent in writes, in all. */
  writeSeconds: number;
  /** Seconds of that spent locking the head and appending after a lost race. */
  lockedSeconds: number;
}

const MAX_BATCH = 512;

/** A record waiting for the writer, with the effects to write alongside it. */
interface Pending {
  record: AuditRecord;
  effects?: Effects | undefined;
  /** A reported outcome, written with its change record (history.ts reportOutcome). */
  outcome?: OutcomeRow | undefined;
  guard?: HistoryGuard | undefined;
  /** Date.now() after which it must not be written: its decision was answered by the deadline. */
  expiresAt?: number | undefined;
  /** An allow's revocable parts: written as an allow only while none is revoked in the store. */
  revocable?: RevocableParts | undefined;
  settle: (error: Error | undefined, entry?: AuditEntry) => void;
}

/**
 * The one writer of decision records (the audit log's group-commit writer; changes go through
 * recordChange in audit-chain.ts, into the same chain). Records arriving while a write is in
 * flight are committed together in the next write; each caller's promise settles when its own
 * record is durable (committed) or has failed. Several processes may write at once: the chain
 * head row orders them.
 */
export class DecisionLog {
  private queue: Pending[] = [];
  private writing = false;
  private head: ChainHead | undefined;
  private readonly listeners: AppendListener[] = [];
  private readonly writeObservers: WriteObserver[] = [];
  readonly stats: AuditWriterStats = { writes: 0, records: 0, headConflicts: 0, writeSeconds: 0, lockedSeconds: 0 };

  constructor(private readonly database: Database) {}

  /**
   * Durably record one decision, and the effects of an allow with it (same statement or
   * transaction: both or neither); resolves with its audit entry once committed.
   */
  record(record: DecisionRecord, options: { expiresAt?: number | undefined } = {}): Promise<AuditEntry> {
    const effects =
      record.decision === "allow" && record.effects
        ? { ...record.effects, decisionId: record.id, apiKeyId: record.apiKeyId, runId: record.runId }
        : undefined;
    const allow = record.decision === "allow";
    return this.enqueue({
      record: decisionAuditRecord(record),
      effects,
      guard: allow ? record.guard : undefined,
      revocable: allow ? record.revocable : undefined,
      // Not written once its decision's deadline has passed (the caller was answered deny).
      expiresAt: options.expiresAt,
    });
  }

  /** Durably append any audit record through the group-commit queue. */
  append(record: AuditRecord): Promise<AuditEntry> {
    return this.enqueue({ record });
  }

  /**
   * Durably append an outcome's change record with the outcome's rows (same statement or
   * transaction: both or neither). A second outcome of one decision fails on its key (23505).
   */
  recordOutcome(record: AuditRecord, outcome: OutcomeRow): Promise<AuditEntry> {
    return this.enqueue({ record, outcome });
  }

  private enqueue(item: Omit<Pending, "settle">): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        ...item,
        settle: (error, entry) => (error || !entry ? reject(error ?? new Error("not recorded")) : resolve(entry)),
      });
      if (!this.writing) void this.drain();
    });
  }

  onAppend(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  onWrite(observer: WriteObserver): void {
    this.writeObservers.push(observer);
  }

  /** Resolves when nothing is queued or being written. */
  async flushed(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  private async drain(): Promise<void> {
    this.writing = true;
    // Let one turn of the event loop pass before each write, so the requests already received
    // reach this queue and share the commit. The embedded store runs each statement synchronously
    // on this thread: without the pause nothing else would run during a write, and every batch
    // would hold one record.
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.queue.length === 0) break;
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        settleEach(batch, await this.write(batch));
      } catch (error) {
        if (logUnavailable(error) || batch.length === 1) {
          // The log is unreachable or overloaded (e.g. no pool connection in time): try the whole
          // batch once more, then every record in it fails (deny audit_unavailable).
          await this.write(batch).then(
            (results) => settleEach(batch, results),
            (again: Error) => {
              if (batch.length === 1 || logUnavailable(again)) for (const item of batch) item.settle(again);
              else return this.writeEach(batch);
            },
          );
          continue;
        }
        // Anything else may be one record's fault (a value the database refuses, a record too
        // deep to hash): it must not fail its neighbours, so each is retried on its own.
        await this.writeEach(batch);
      }
    }
    this.writing = false;
  }

  private async writeEach(batch: Pending[]): Promise<void> {
    for (const item of batch) {
      await this.write([item]).then(
        (results) => settleEach([item], results),
        (error: Error) => item.settle(error),
      );
    }
  }

  /** Write a batch: per item its entry, or why it alone was not written (HistoryMoved, DeadlinePassed). */
  private async write(items: Pending[]): Promise<Array<AuditEntry | Error>> {
    const now = Date.now();
    const late = items.map((item) => item.expiresAt !== undefined && item.expiresAt < now);
    if (late.some(Boolean)) {
      const live = items.filter((_, i) => !late[i]);
      return leftOut(late, live.length > 0 ? await this.write(live) : [], () => new DeadlinePassed());
    }
    const started = performance.now();
    const observe = (error?: Error) => {
      const seconds = (performance.now() - started) / 1000;
      for (const observer of this.writeObservers) observer({ records: items.length, seconds, error });
    };
    try {
      this.head ??= await readHead(this.database);
      const results = !items.some((item) => item.guard)
        ? await this.appendAll(items)
        : this.database.kind === "pglite"
          ? await appendInTurn(this.database, items, async (moved) =>
              withMoved(moved, await this.appendAll(items.filter((_, i) => !moved[i]))),
            )
          : await this.database.transaction((tx) => appendChecked(tx, items, { history: true }));
      const written = results.filter((r): r is AuditEntry => !(r instanceof Error));
      const last = written[written.length - 1];
      if (last) {
        this.head = { seq: last.seq, hash: last.hash };
        for (const listener of this.listeners) listener(last, written.length);
      }
      this.stats.writes += 1;
      this.stats.records += written.length;
      this.stats.writeSeconds += (performance.now() - started) / 1000;
      observe();
      return results;
    } catch (error) {
      this.head = undefined;
      observe(error as Error);
      throw error;
    }
  }

  private async appendAll(items: Pending[]): Promise<Array<AuditEntry | Error>> {
    const records = items.map((item) => item.record);
    // The batch's touches, duties and outcomes go in the same statement or transaction as its records.
    const side = sideInserts(items);
    const head = this.head ?? (await readHead(this.database));
    const allows = items.flatMap((item) => (item.revocable ? [item.revocable] : []));
    // Optimistic single statement, written only if no allow's target was revoked meanwhile; if
    // another writer moved the head, or a target was revoked, lock the head and check each record.
    const holding = allows.length > 0 ? (first: number) => stillHolds(allows, first) : undefined;
    const appended = await appendIfHead(this.database, head, records, side, holding);
    if (appended) return appended;
    const locking = performance.now();
    const results = await this.database.transaction((tx) => appendChecked(tx, items, { history: false }));
    this.stats.headConflicts += 1;
    this.stats.lockedSeconds += (performance.now() - locking) / 1000;
    return results;
  }
}

/**
 * Append under the chain head lock (which orders the writers of every process, and every change
 * recorded by recordChange): allows whose history moved are left out (decision/scope-order.ts;
 * `history` when not checked already), and allows whose target was revoked, or whose run was
 * stopped, since they were decided are written as the deny they have become (trust/revocations.ts).
 */
async function appendChecked(
  tx: Session,
  items: Pending[],
  check: { history: boolean },
): Promise<Array<AuditEntry | Error>> {
  await tx.query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE");
  const moved = check.history ? await historyMoved(tx, items) : items.map(() => false);
  const kept = items.filter((_, i) => !moved[i]);
  const broken = await holdsBroken(
    tx,
    kept.map((item) => item.revocable),
  );
  const records = kept.map((item, i) => {
    const denial = broken[i];
    return denial ? deniedRecord(item.record, denial) : item.record;
  });
  // A revoked allow is written as the deny it has become: without the effects of an allow.
  const side = sideInserts(kept.map((item, i) => (broken[i] ? { ...item, effects: undefined } : item)));
  const entries = await appendLocked(tx, records, side);
  const results = entries.map((entry, i) => {
    const denial = broken[i];
    return denial ? new RevokedBeforeRecorded(denial) : entry;
  });
  return withMoved(moved, results);
}

/** The rows written with a batch's records: its allows' effects and its outcomes. */
function sideInserts(items: Pending[]): SideInsert[] {
  return [
    ...effectInserts(items.flatMap((item) => (item.effects ? [item.effects] : []))),
    ...outcomeInserts(items.flatMap((item) => (item.outcome ? [item.outcome] : []))),
  ];
}

/** Per item: its result, or HistoryMoved where it was left out. */
function withMoved(moved: boolean[], results: ReadonlyArray<AuditEntry | Error>): Array<AuditEntry | Error> {
  return leftOut(moved, results, () => new HistoryMoved());
}

/** Per item: the result of the items written, in order, or `why()` where it was left out. */
function leftOut(
  left: boolean[],
  results: ReadonlyArray<AuditEntry | Error>,
  why: () => Error,
): Array<AuditEntry | Error> {
  let next = 0;
  return left.map((out) => (out ? why() : (results[next++] as AuditEntry | Error)));
}

function settleEach(batch: Pending[], results: Array<AuditEntry | Error>): void {
  for (const [i, item] of batch.entries()) {
    const result = results[i];
    if (result instanceof Error) item.settle(result);
    else item.settle(undefined, result);
  }
}

/**
 * The log itself is out of reach (connection refused, dropped or timed out, server shutting down or
 * out of resources: SQLSTATE classes 08, 53, 57, 58), as opposed to a fault of some record in the batch.
 */
export function logUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return /^(08|53|57|58|E[A-Z]+$)/.test(code);
  return /connect|terminat|timeout|timed out|closed|ended/i.test((error as Error).message ?? "");
}

/** The same writer, by the name of what it now is. */
export { DecisionLog as AuditLog };
