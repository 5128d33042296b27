import type { Database } from "@pea/migrations";
import { ApiKeyCache } from "./api-keys.js";
import { loadSchema, type SchemaInfo } from "./cedar-schema.js";
import { ChangeFeed } from "./change-feed.js";
import { type Decision, type DecisionInputs, deny } from "./decide.js";
import { compilePolicySet, type LoadedPolicySet, readPolicyDir } from "./policies.js";
import { loadSnapshot, type Snapshot } from "./snapshot.js";
import { type TrustOptions, TrustState } from "./trust.js";

export interface EngineOptions {
  database: Database;
  schemaText: string;
  policyDir: string;
  firmDomains: readonly string[];
  /** How long to wait before retrying a lost store connection. */
  retryMs?: number;
  /** The clock decisions use (run expiry, history windows, wall crossings); tests inject their own. */
  now?: () => Date;
  /** How far back context.history looks, in seconds (default 24 hours). */
  historyWindowSeconds?: number;
  /** Artifacts, signing keys, approvals, revocations (trust.ts). */
  trust?: TrustOptions | undefined;
  /** Structured events for the caller's logger (no secrets are ever passed). */
  onEvent?: (event: string, detail: Record<string, unknown>) => void;
}

export interface EngineStatus {
  ready: boolean;
  store: boolean;
  policies: boolean;
  policyVersion: string | undefined;
  entitlementVersion: number | undefined;
  problems: string[];
}

/**
 * The decision-time state of one PDP process: the schema, the active policy set and an entitlement
 * snapshot kept fresh by the change feed. Holds no authoritative state; everything reloads from
 * the store and the policy directory.
 */
export class DecisionEngine {
  readonly keys: ApiKeyCache;
  /** Revocations and artifact signing keys, kept fresh by the change feed. */
  readonly trust: TrustState;
  private readonly feed: ChangeFeed;
  private schema: SchemaInfo | undefined;
  private policies: LoadedPolicySet | undefined;
  private snapshot: Snapshot | undefined;
  private policyProblem: string | undefined;
  private snapshotReload: Promise<void> | undefined;
  private snapshotStale = false;

  private constructor(private readonly options: EngineOptions) {
    this.keys = new ApiKeyCache(options.database);
    this.trust = new TrustState(options.database, options.trust);
    this.feed = new ChangeFeed(
      options.database,
      (topic) => this.onChange(topic),
      async () => {
        await Promise.all([this.reloadSnapshotNow(), this.keys.reload(), this.trust.reloadNow()]);
      },
      options.retryMs,
    );
  }

  /** Load what can be loaded; whatever fails is reported by status() and retried, never thrown. */
  static async start(options: EngineOptions): Promise<DecisionEngine> {
    const engine = new DecisionEngine(options);
    try {
      engine.schema = loadSchema(options.schemaText);
      await engine.loadPolicies();
    } catch (error) {
      engine.policyProblem = (error as Error).message;
      options.onEvent?.("policies_invalid", { error: engine.policyProblem });
    }
    await engine.feed.start().catch((error: Error) => {
      options.onEvent?.("store_unavailable", { error: error.message });
      engine.feed.markBroken(error);
    });
    return engine;
  }

  /** Compile the policy directory and make it active; on failure the last good set keeps serving. */
  async loadPolicies(): Promise<LoadedPolicySet> {
    if (!this.schema) throw new Error("the Cedar schema is not loaded");
    const compiled = compilePolicySet(await readPolicyDir(this.options.policyDir), this.schema);
    this.policies = compiled;
    this.policyProblem = undefined;
    this.options.onEvent?.("policies_loaded", { version: compiled.version, policies: compiled.policies.size });
    return compiled;
  }

  status(): EngineStatus {
    const problems: string[] = [];
    if (!this.feed.healthy) problems.push(`store: ${this.feed.lastError ?? "not connected"}`);
    if (!this.policies) problems.push(`policies: ${this.policyProblem ?? "not loaded"}`);
    return {
      ready: this.feed.healthy && this.policies !== undefined && this.snapshot !== undefined,
      store: this.feed.healthy,
      policies: this.policies !== undefined,
      policyVersion: this.policies?.version,
      entitlementVersion: this.snapshot?.version,
      problems,
    };
  }

  /** Everything a decision needs, or the deny to answer when something is missing (fail-closed). */
  inputs(): DecisionInputs | Decision {
    if (!this.schema || !this.policies) return deny("evaluation_error", "no valid policy set is loaded");
    if (!this.feed.healthy || !this.snapshot) return deny("store_unavailable");
    return {
      schema: this.schema,
      policies: this.policies,
      snapshot: this.snapshot,
      firmDomains: this.options.firmDomains,
    };
  }

  /** The store the engine reads (per-request lookups: runs, history). */
  get database(): Database {
    return this.options.database;
  }

  /** The decision clock. */
  now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  get historyWindowSeconds(): number {
    return this.options.historyWindowSeconds ?? 24 * 3600;
  }

  get policyVersion(): string {
    return this.policies?.version ?? "none";
  }

  get entitlementVersion(): number {
    return this.snapshot?.version ?? 0;
  }

  private onChange(topic: string): void {
    if (topic === "trust") {
      void this.trust.reload((error) => this.feed.markBroken(error));
      return;
    }
    if (topic === "keys") {
      this.keys.reload().catch((error: Error) => this.feed.markBroken(error));
    } else if (topic === "entitlements") {
      void this.reloadSnapshot();
    }
  }

  /** Coalesce bursts of changes: at most one reload in flight and one queued behind it. */
  private reloadSnapshot(): Promise<void> {
    if (this.snapshotReload) {
      this.snapshotStale = true;
      return this.snapshotReload;
    }
    this.snapshotReload = (async () => {
      do {
        this.snapshotStale = false;
        try {
          await this.reloadSnapshotNow();
        } catch (error) {
          this.feed.markBroken(error as Error);
          break;
        }
      } while (this.snapshotStale);
      this.snapshotReload = undefined;
    })();
    return this.snapshotReload;
  }

  private async reloadSnapshotNow(): Promise<void> {
    const next = await loadSnapshot(this.options.database);
    // Notifications can overtake each other; never go back to an older version.
    if (!this.snapshot || next.version >= this.snapshot.version) this.snapshot = next;
    this.options.onEvent?.("entitlements_loaded", { version: next.version, entities: next.size });
  }

  /** Wait until any in-flight entitlement reload has finished (tests and tools). */
  async settled(): Promise<void> {
    await this.snapshotReload;
    await this.trust.settled();
  }

  async stop(): Promise<void> {
    await this.feed.stop();
  }
}
