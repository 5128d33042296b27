import type { Database } from "@pea/migrations";
import type { Obligation, Reason } from "@pea/schemas";
import {
  type AuditEntry,
  type AuditRecord,
  appendIfHead,
  appendLocked,
  type ChainHead,
  readHead,
} from "./audit-chain.js";
import { type DecisionEffects, type Effects, effectInserts } from "./history.js";

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
        if (logUnavailable(error) || batch.length === 1) {
          // The log is unreachable or overloaded (e.g. no pool connection in time): try the whole
          // batch once more, then every record in it fails (deny audit_unavailable).
          await this.write(batch).then(
            (entries) => {
              for (const [i, item] of batch.entries()) item.settle(undefined, entries[i]);
            },
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
        (entries) => item.settle(undefined, entries[0]),
        (error: Error) => item.settle(error),
      );
    }
  }

  private async write(items: Pending[]): Promise<AuditEntry[]> {
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
      return entries;
    } catch (error) {
      this.head = undefined;
      throw error;
    }
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
