import type { Database } from "@pea/migrations";
import type { Obligation, Reason } from "@pea/schemas";
import { type DecisionEffects, type Effects, effectInserts } from "../governance/history.js";
import { type AuditEntry, type AuditRecord, appendIfHead, appendLocked, type ChainHead, readHead } from "./chain.js";

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

const MAX_BATCH = 512;

/** A record waiting for the writer, with the effects to write alongside it. */
interface Pending {
  record: AuditRecord;
  effects?: Effects | undefined;
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
    return this.enqueue(decisionAuditRecord(record), effects);
  }

  /** Durably append any audit record through the group-commit queue. */
  append(record: AuditRecord): Promise<AuditEntry> {
    return this.enqueue(record, undefined);
  }

  private enqueue(record: AuditRecord, effects: Effects | undefined): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        record,
        effects,
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
        const entries = await this.write(batch);
        for (const [i, item] of batch.entries()) item.settle(undefined, entries[i]);
      } catch (error) {
        if (!recordSpecific(error)) {
          // The log is unreachable or overloaded (e.g. no pool connection in time): try the whole
          // batch once more, then every record in it fails (deny audit_unavailable).
          await this.write(batch).then(
            (entries) => {
              for (const [i, item] of batch.entries()) item.settle(undefined, entries[i]);
            },
            (again: Error) => {
              for (const item of batch) item.settle(again);
            },
          );
          continue;
        }
        // One unstorable record must not fail its neighbours: retry each on its own.
        for (const item of batch) {
          await this.write([item]).then(
            (entries) => item.settle(undefined, entries[0]),
            (error: Error) => item.settle(error),
          );
        }
      }
    }
    this.writing = false;
  }

  private async write(items: Pending[]): Promise<AuditEntry[]> {
    const started = performance.now();
    const observe = (error?: Error) => {
      const seconds = (performance.now() - started) / 1000;
      for (const observer of this.writeObservers) observer({ records: items.length, seconds, error });
    };
    try {
      const records = items.map((item) => item.record);
      // The batch's touches and duties go in the same statement or transaction as its records.
      const side = effectInserts(items.flatMap((item) => (item.effects ? [item.effects] : [])));
      this.head ??= await readHead(this.database);
      // Optimistic single statement; if another writer moved the head, lock it and chain after it.
      const entries =
        (await appendIfHead(this.database, this.head, records, side)) ??
        (await this.database.transaction((tx) => appendLocked(tx, records, side)));
      const last = entries[entries.length - 1];
      if (last) {
        this.head = { seq: last.seq, hash: last.hash };
        for (const listener of this.listeners) listener(last, entries.length);
      }
      observe();
      return entries;
    } catch (error) {
      this.head = undefined;
      observe(error as Error);
      throw error;
    }
  }
}

/** A data or constraint error (SQLSTATE class 22, 23, 54) may be one record's fault; anything else is the log's. */
function recordSpecific(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^(22|23|54)/.test(code);
}

/** The same writer, by the name of what it now is. */
export { DecisionLog as AuditLog };
