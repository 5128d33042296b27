// What a decision is made from: the inputs the engine holds, the facts looked up per request, and
// what an evaluation used. Types only, over leaf modules, so the engine and the pipeline can share them.
import type { LinkDecisionCache } from "../cedar/link-cache.js";
import type { SchemaInfo } from "../cedar/schema.js";
import type { Snapshot } from "../engine/snapshot.js";
import type { HistoryFacts } from "../governance/history.js";
import type { LoadedPolicySet } from "../policy/types.js";
import type { Run } from "../trust/runs.js";
import type { Decision, DecisionRequest } from "./decision.js";

export interface DecisionInputs {
  schema: SchemaInfo;
  policies: LoadedPolicySet;
  snapshot: Snapshot;
  /** The firm's own e-mail domains: anything else is outside the firm. */
  firmDomains: readonly string[];
  /** Answers for links already decided with exactly these inputs (link-cache.ts); none: always evaluate. */
  linkCache?: LinkDecisionCache | undefined;
  /** What PEA knows about this request from its own records (runs.ts, history.ts); never from the caller. */
  facts?: DecisionFacts | undefined;
}

/** Per-request facts PEA looked up before deciding; decide() stays pure by taking them as input. */
export interface DecisionFacts {
  /** The decision time (the engine's clock). */
  now: Date;
  /** The run the request names: null when no such run exists; undefined when none is named. */
  run?: Run | null | undefined;
  /** What this run, its agents and its human touched, and the duties done on the object (history.ts). */
  history?: HistoryFacts | undefined;
  /** Issuers the request's human holds an active wall crossing for (trust.ts). */
  crossings?: ReadonlySet<string> | undefined;
}

/** What one request evaluated to, and with what. */
export interface Evaluation {
  outcome: Decision;
  policyVersion: string;
  entitlementVersion: number;
  /**
   * The request and inputs (facts included) the policies were asked with; absent when evaluation
   * stopped before them (engine not ready, facts unreadable). Lets another policy set decide the
   * same request on the same facts (`reEvaluate`: shadow mode, impact diff).
   */
  asked?: { request: DecisionRequest; inputs: DecisionInputs } | undefined;
}
