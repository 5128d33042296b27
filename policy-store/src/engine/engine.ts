import type { Database } from "@pea/migrations";
import { sql } from "drizzle-orm";
import { LinkDecisionCache } from "../cedar/link-cache.js";
import { loadSchema, type SchemaInfo } from "../cedar/schema.js";
import { type Decision, deny } from "../decision/decision.js";
import type { DecisionInputs } from "../decision/inputs.js";
import { ApiKeyCache } from "../identity/api-keys.js";
import { compilePolicySet, compilePolicySetAsync, readPolicyDir } from "../policy/policy-set.js";
import { ShadowRecorder } from "../policy/shadow.js";
import type { LoadedPolicySet } from "../policy/types.js";
import {
  type Activation,
  getVersion,
  type PublishedVersion,
  readPolicyState,
  type VersionSummary,
  verifyVersion,
} from "../policy/versions.js";
import { CoalescedReload } from "../trust/coalesced-reload.js";
import { type TrustOptions, TrustState } from "../trust/revocations.js";
import { ChangeFeed } from "./change-feed.js";
import { loadSnapshot, type Snapshot } from "./snapshot.js";

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
  /** How many single-link Cedar answers to keep (link-cache.ts; default 10,000; 0: none). */
  linkCacheSize?: number;
  /** Key ids (ed25519:…) whose signatures on published policy versions are trusted; empty: any valid signature. */
  trustedPolicyKeys?: readonly string[];
  /** Every decision is answered within this many ms (decision/deadline.ts; default 2000). */
  decisionDeadlineMs?: number;
}

/** What this process serves: a published version from the store, or the policy directory. */
export type PolicySourceInfo =
  | { kind: "directory"; version: string; policies: number; dir: string; loadedAt: string }
  | {
      kind: "published";
      version: string;
      policies: number;
      published: Omit<VersionSummary, "publicKey" | "signature">;
      activation: Activation;
      loadedAt: string;
    };

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
  /** Entitlement reloads: bursts of changes coalesce into one in flight and one queued. */
  private readonly snapshotReload = new CoalescedReload(() => this.reloadSnapshotNow());
  private source: PolicySourceInfo | undefined;
  /** A published version this process refused to load (the last good set kept serving). */
  private rejected: { version: string; problem: string } | undefined;
  private shadowSet: { set: LoadedPolicySet; version: string } | undefined;
  /** Published versions compiled here and still served (active or shadow): a promotion reuses them. */
  private compiled = new Map<string, { set: LoadedPolicySet; version: PublishedVersion }>();
  /** Policy syncs: bursts of notifications coalesce into one in flight and one queued. */
  private readonly policySync = new CoalescedReload(() => this.syncPoliciesNow());
  private synced = false;
  /** The store probe in flight (readiness): one at a time, however many ask. */
  private probe: Promise<boolean> | undefined;
  readonly shadow: ShadowRecorder;
  readonly linkCache: LinkDecisionCache;

  private constructor(private readonly options: EngineOptions) {
    this.linkCache = new LinkDecisionCache(options.linkCacheSize ?? 10_000);
    this.keys = new ApiKeyCache(options.database);
    this.shadow = new ShadowRecorder(options.database, (event, detail) => options.onEvent?.(event, detail));
    this.trust = new TrustState(options.database, options.trust);
    this.feed = new ChangeFeed(
      options.database,
      (topic) => this.onChange(topic),
      async () => {
        await Promise.all([
          this.reloadSnapshotNow(),
          this.keys.reload(),
          this.trust.reloadNow(),
          this.syncPoliciesNow(),
        ]);
        this.synced = true;
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
    this.serve(compiled);
    this.source = {
      kind: "directory",
      version: compiled.version,
      policies: compiled.policies.size,
      dir: this.options.policyDir,
      loadedAt: new Date().toISOString(),
    };
    this.policyProblem = undefined;
    this.options.onEvent?.("policies_loaded", { version: compiled.version, policies: compiled.policies.size });
    return compiled;
  }

  status(): EngineStatus {
    const problems: string[] = [];
    if (!this.feed.healthy) problems.push(`store: ${this.feed.lastError ?? "not connected"}`);
    if (!this.policies) problems.push(`policies: ${this.policyProblem ?? "not loaded"}`);
    if (this.rejected)
      problems.push(`policies: version ${this.rejected.version} was not loaded: ${this.rejected.problem}`);
    return {
      ready: this.feed.healthy && this.policies !== undefined && this.snapshot !== undefined,
      store: this.feed.healthy,
      policies: this.policies !== undefined,
      policyVersion: this.policies?.version,
      entitlementVersion: this.snapshot?.version,
      problems,
    };
  }

  /**
   * status(), and whether the store answers a probe within `probeMs`: a stalled store (paused, or
   * its connections all stuck) keeps the change feed's connection open, so the feed alone would
   * still say ready. Not ready until the probe answers.
   */
  async readiness(probeMs: number): Promise<EngineStatus> {
    this.probe ??= this.options.database.db.execute(sql`SELECT 1`).then(
      () => true,
      () => false,
    );
    const probe = this.probe;
    void probe.finally(() => {
      if (this.probe === probe) this.probe = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      probe,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), probeMs);
      }),
    ]);
    clearTimeout(timer);
    const status = this.status();
    if (answered) return status;
    return {
      ...status,
      ready: false,
      store: false,
      problems: [...status.problems, `store: no answer to a probe within ${probeMs} ms`],
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
      linkCache: this.linkCache,
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

  get decisionDeadlineMs(): number {
    return this.options.decisionDeadlineMs ?? 2000;
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

  /**
   * Read your writes: whether this process holds entitlements at `version` or newer, reloading them
   * once from the store when it does not yet (its change notification may still be on the way).
   */
  async entitlementsAtLeast(version: number): Promise<boolean> {
    if (this.entitlementVersion >= version) return true;
    await this.reloadSnapshot();
    if (this.entitlementVersion >= version) return true;
    // Once more: a reload that was already in flight may have read the store before the change.
    await this.reloadSnapshot();
    return this.entitlementVersion >= version;
  }

  /** What this process serves now, the shadow candidate, and any version it refused. */
  policyInfo(): {
    active: PolicySourceInfo | undefined;
    shadow: { version: string; evaluated: number; flips: number } | undefined;
    rejected: { version: string; problem: string } | undefined;
  } {
    return {
      active: this.source,
      shadow: this.shadowSet
        ? { version: this.shadowSet.version, ...this.shadow.counts(this.shadowSet.version) }
        : undefined,
      rejected: this.rejected,
    };
  }

  /** The candidate set running in shadow, if any (evaluated beside the active one, never enforced). */
  get shadowPolicies(): { set: LoadedPolicySet; version: string } | undefined {
    return this.shadowSet;
  }

  /** Follow the store (a failed sync marks the change feed broken). */
  private syncPolicies(): Promise<void> {
    return this.policySync.run((error) => this.feed.markBroken(error));
  }

  /**
   * Serve the store's active version (the policy directory when nothing is published). The new set
   * is fetched, its signature checked and compiled beside the one serving, then swapped in with one
   * assignment; a version that fails any step never serves, and the last good set keeps serving.
   */
  private async syncPoliciesNow(): Promise<void> {
    if (!this.schema) return;
    const state = await readPolicyState(this.options.database);
    const active = state.active;
    if (!active) {
      if (this.source?.kind !== "directory") {
        try {
          await this.loadPolicies();
        } catch (error) {
          this.policyProblem = (error as Error).message;
          this.options.onEvent?.("policies_invalid", { error: this.policyProblem });
        }
      }
    } else if (this.source?.kind === "published" && this.source.version === active.versionId) {
      this.source = { ...this.source, activation: active };
    } else {
      try {
        const { set, version } = await this.compilePublished(active.versionId);
        const { publicKey: _publicKey, signature: _signature, files: _files, ...published } = version;
        this.serve(set); // the swap: every request from here on sees the new set
        this.source = {
          kind: "published",
          version: set.version,
          policies: set.policies.size,
          published,
          activation: active,
          loadedAt: new Date().toISOString(),
        };
        this.policyProblem = undefined;
        this.rejected = undefined;
        this.options.onEvent?.("policies_loaded", {
          version: set.version,
          policies: set.policies.size,
          source: "store",
        });
      } catch (error) {
        const problem = (error as Error).message;
        this.rejected = { version: active.versionId, problem };
        this.options.onEvent?.("policy_version_rejected", { version: active.versionId, error: problem });
        // At start nothing has served yet: what the store says is active, or nothing (fail-closed).
        if (!this.synced) {
          this.serve(undefined);
          this.source = undefined;
          this.policyProblem = problem;
        }
      }
    }

    const wanted = state.shadowVersionId;
    if (wanted === undefined) {
      this.shadowWith(undefined);
    } else if (this.shadowSet?.version !== wanted) {
      try {
        const { set } = await this.compilePublished(wanted);
        this.shadowWith({ set, version: wanted });
        this.options.onEvent?.("shadow_policies_loaded", { version: wanted, policies: set.policies.size });
      } catch (error) {
        this.shadowWith(undefined);
        this.options.onEvent?.("shadow_version_rejected", { version: wanted, error: (error as Error).message });
      }
    }
  }

  /**
   * Fetch, verify and compile a published version, or reuse the compiled set when this process
   * serves it already (the shadow version being activated). Versions no longer served are not
   * kept: their preparsed slices take as much memory as the one serving (a rollback compiles again).
   */
  private async compilePublished(id: string): Promise<{ set: LoadedPolicySet; version: PublishedVersion }> {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    if (!this.schema) throw new Error("the Cedar schema is not loaded");
    const version = await getVersion(this.options.database, id);
    if (!version) throw new Error(`policy version ${id} is not in the store`);
    const problem = verifyVersion(version, this.options.trustedPolicyKeys);
    if (problem) throw new Error(problem);
    const set = await compilePolicySetAsync(version.files, this.schema, { version: version.id });
    this.compiled.set(id, { set, version });
    return { set, version };
  }

  /** Make `set` the active one (every decision from here on takes it) and free what no longer serves. */
  private serve(set: LoadedPolicySet | undefined): void {
    const previous = this.policies;
    this.policies = set;
    this.retireUnserved(previous);
  }

  private shadowWith(shadow: { set: LoadedPolicySet; version: string } | undefined): void {
    const previous = this.shadowSet?.set;
    this.shadowSet = shadow;
    this.retireUnserved(previous);
  }

  /**
   * Retire compiled sets that are neither active nor shadow (a compile whose version was replaced
   * before it served, too): their slices are freed once the decisions holding them finish.
   */
  private retireUnserved(previous: LoadedPolicySet | undefined): void {
    const served = (set: LoadedPolicySet) => set === this.policies || set === this.shadowSet?.set;
    if (previous && !served(previous)) previous.retire();
    for (const [id, { set }] of this.compiled) {
      if (served(set)) continue;
      this.compiled.delete(id);
      set.retire();
    }
  }

  private onChange(topic: string): void {
    if (topic === "policies") {
      void this.syncPolicies();
      return;
    }
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

  /** Reload the entitlements (a failed reload marks the change feed broken). */
  private reloadSnapshot(): Promise<void> {
    return this.snapshotReload.run((error) => this.feed.markBroken(error));
  }

  private async reloadSnapshotNow(): Promise<void> {
    const next = await loadSnapshot(this.options.database, this.schema);
    // Notifications can overtake each other; never go back to an older version.
    if (!this.snapshot || next.version >= this.snapshot.version) this.snapshot = next;
    this.options.onEvent?.("entitlements_loaded", { version: next.version, entities: next.size });
  }

  /** Wait until any in-flight entitlement reload has finished (tests and tools). */
  async settled(): Promise<void> {
    await this.snapshotReload.settled();
    await this.policySync.settled();
    await this.trust.settled();
  }

  async stop(): Promise<void> {
    await this.shadow.stop();
    await this.feed.stop();
    // Nothing serves from here on: free the sets (once decisions still running have finished).
    this.serve(undefined);
    this.shadowWith(undefined);
  }
}
