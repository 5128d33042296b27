// What authorize() needs and tells, in a leaf module: the deadline wraps authorize() and shares them.
import type { DecisionLog } from "../audit/decision-log.js";
import type { DecisionEngine } from "../engine/engine.js";
import type { Decision } from "./decision.js";

/** One answered decision, as metrics and logs see it (taken here, once per decision, for every API). */
export interface DecisionEvent {
  /** Which API asked: `authorize`, `authzen:evaluation`, `authzen:search/subject`, … */
  via: string;
  decisionId: string;
  decision: "allow" | "deny";
  /** The reasons' codes, in order (none for an allow). */
  reasons: string[];
  seconds: number;
}

export interface AuthorizeDeps {
  engine: DecisionEngine;
  log: Pick<DecisionLog, "record">;
  /** Told of every decision once it is answered (metrics, logs). */
  observe?: ((event: DecisionEvent) => void) | undefined;
}

/** Tell the observer about one decision; `started` is its performance.now() at the start. */
export function observeDecision(
  deps: Pick<AuthorizeDeps, "observe">,
  via: string,
  decisionId: string,
  outcome: Pick<Decision, "decision" | "reasons">,
  started: number,
): void {
  deps.observe?.({
    via,
    decisionId,
    decision: outcome.decision,
    reasons: outcome.reasons.map((r) => r.code),
    seconds: (performance.now() - started) / 1000,
  });
}
