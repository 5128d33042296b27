import type { Database } from "@pea/migrations";
import { tables } from "@pea/migrations";
import type { Reason } from "@pea/schemas";

export interface DecisionRecord {
  id: string;
  principal: string;
  action: string;
  resource: string;
  intent: string | null;
  runId: string | null;
  decision: "allow" | "deny";
  reasons: Reason[];
  /** The request as received, evidence included: the log is for humans, not for policy. */
  request: unknown;
  determiningPolicies: string[];
  policyVersion: string;
  entitlementVersion: number;
  apiKeyId: string | null;
}

/**
 * The one writer of decision records. Records arriving while a write is in flight are committed
 * together in the next write (group commit); each caller's promise settles when its own record
 * is durable or has failed.
 */
export class DecisionLog {
  private queue: Array<{ record: DecisionRecord; settle: (error?: Error) => void }> = [];
  private writing = false;

  constructor(private readonly database: Database) {}

  record(record: DecisionRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, settle: (error) => (error ? reject(error) : resolve()) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.insert(batch.map((item) => item.record));
        for (const item of batch) item.settle();
      } catch {
        // One unstorable record must not fail its neighbours: retry each on its own.
        for (const item of batch) {
          await this.insert([item.record]).then(
            () => item.settle(),
            (error: Error) => item.settle(error),
          );
        }
      }
    }
    this.writing = false;
  }

  private async insert(records: DecisionRecord[]): Promise<void> {
    await this.database.db.insert(tables.decisions).values(
      records.map((record) => ({
        id: record.id,
        principal: record.principal,
        action: record.action,
        resource: record.resource,
        intent: record.intent,
        runId: record.runId,
        decision: record.decision,
        reasons: record.reasons,
        request: { ...(record.request as object), determiningPolicies: record.determiningPolicies },
        policyVersion: record.policyVersion,
        entitlementVersion: record.entitlementVersion,
        apiKeyId: record.apiKeyId,
      })),
    );
  }
}
