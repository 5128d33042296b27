import type { Database, Session } from "@pea/migrations";
import type { Obligation, Reason } from "@pea/schemas";
import { appendInTurn, type HistoryGuard, HistoryMoved, historyMoved } from "../decision/scope-order.js";
import {
  type DecisionEffects,
  type Effects,
  effectInserts,
  type OutcomeRow,
  outcomeInserts,
} from "../governance/history.js";
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
  record(record: DecisionRecord): Promise<AuditEntry> {
    const effects =
      record.decision === "allow" && record.effects
        ? { ...record.effects, decisionId: record.id, apiKeyId: record.apiKeyId, runId: record.runId }
        : undefined;
    return this.enqueue({
      record: decisionAuditRecord(record),
      effects,
      guard: record.decision === "allow" ? record.guard : undefined,
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

  /** Write a batch: per item its entry, or why it alone was not written (HistoryMoved). */
  private async write(items: Pending[]): Promise<Array<AuditEntry | Error>> {
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
          : await this.database.transaction((tx) => appendGuarded(tx, items));
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

  private async appendAll(items: Pending[]): Promise<AuditEntry[]> {
    const records = items.map((item) => item.record);
    // The batch's touches, duties and outcomes go in the same statement or transaction as its records.
    const side = sideInserts(items);
    const head = this.head ?? (await readHead(this.database));
    // Optimistic single statement; if another writer moved the head, lock it and chain after it.
    const appended = await appendIfHead(this.database, head, records, side);
    if (appended) return appended;
    const locking = performance.now();
    const entries = await this.database.transaction((tx) => appendLocked(tx, records, side));
    this.stats.headConflicts += 1;
    this.stats.lockedSeconds += (performance.now() - locking) / 1000;
    return entries;
  }
}

/**
 * A batch holding allows whose policies read history: under the chain head lock (which orders the
 * writers of every process), the allows whose history moved are left out (decision/scope-order.ts).
 */
async function appendGuarded(tx: Session, items: Pending[]): Promise<Array<AuditEntry | Error>> {
  await tx.query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE");
  const moved = await historyMoved(tx, items);
  const kept = items.filter((_, i) => !moved[i]);
  return withMoved(
    moved,
    await appendLocked(
      tx,
      kept.map((item) => item.record),
      sideInserts(kept),
    ),
  );
}

/** The rows written with a batch's records: its allows' effects and its outcomes. */
function sideInserts(items: Pending[]): SideInsert[] {
  return [
    ...effectInserts(items.flatMap((item) => (item.effects ? [item.effects] : []))),
    ...outcomeInserts(items.flatMap((item) => (item.outcome ? [item.outcome] : []))),
  ];
}

/** Per item: its entry, or HistoryMoved where it was left out. */
function withMoved(moved: boolean[], entries: AuditEntry[]): Array<AuditEntry | Error> {
  let next = 0;
  return moved.map((left) => (left ? new HistoryMoved() : (entries[next++] as AuditEntry)));
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
