import { type Database, type Subscription, tables } from "@pea/migrations";

export const CHANGES_CHANNEL = "pea_changes";

/** pea_state counters and the change topic each one stands for. */
const versionTopics: Record<string, string> = {
  entitlement_version: "entitlements",
  keys_version: "keys",
  policy_version: "policies",
  trust_version: "trust",
};
const POLL_MS = 200;

/**
 * Follows the database's change notifications (triggers NOTIFY on every entitlement or key
 * change). While the subscription is down, caches may be stale, so `healthy` is false and
 * decisions must deny; on reconnect, `resync` reloads everything before `healthy` is true again.
 */
export class ChangeFeed {
  private subscription: Subscription | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private versions = new Map<string, string>();
  healthy = false;
  lastError: string | undefined;

  constructor(
    private readonly database: Database,
    private readonly onChange: (topic: string) => void,
    private readonly resync: () => Promise<void>,
    private readonly retryMs = 250,
  ) {}

  /** Subscribe and sync once; rejects if the first attempt fails (the caller decides to retry). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    // Subscribe before loading, so no change between the two can be missed.
    this.subscription = await this.database.listen(
      CHANGES_CHANNEL,
      (payload) => this.onChange(payload.split(":")[0] ?? payload),
      (error) => this.lost(error),
    );
    if (!this.database.reliableNotifications) this.versions = await this.readVersions();
    await this.resync();
    this.healthy = true;
    this.lastError = undefined;
    if (!this.database.reliableNotifications) this.startPolling();
  }

  // Where NOTIFY cannot be relied on (the embedded store), the version counters are polled too.
  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(async () => {
      if (!this.healthy) return;
      try {
        const current = await this.readVersions();
        for (const [key, value] of current) {
          const topic = versionTopics[key];
          if (topic && this.versions.get(key) !== value) this.onChange(topic);
        }
        this.versions = current;
      } catch (error) {
        this.markBroken(error as Error);
      }
    }, POLL_MS);
    this.pollTimer.unref();
  }

  private async readVersions(): Promise<Map<string, string>> {
    const rows = await this.database.db.select().from(tables.peaState);
    return new Map(rows.map((r) => [r.key, String(r.value)]));
  }

  private lost(error: Error): void {
    this.healthy = false;
    this.lastError = error.message;
    this.subscription = undefined;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      try {
        await this.subscription?.stop();
        await this.connect();
      } catch (error) {
        this.healthy = false;
        this.lastError = (error as Error).message;
        this.scheduleRetry();
      }
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** A reload failed: treat the feed as broken until a full resync succeeds. */
  markBroken(error: Error): void {
    if (!this.healthy && this.retryTimer) return;
    this.lost(error);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.subscription?.stop();
    this.healthy = false;
  }
}
