import type { DecisionEngine } from "../engine/engine.js";
import type { DecisionRequest } from "./decision.js";
import { historyQueryOf, readsHistory } from "./facts.js";
import type { DecisionFacts } from "./inputs.js";
import type { HistoryGuard } from "./scope-order.js";

/** The guard of an allow whose policies read history (scope-order.ts); none for any other decision. */
export function historyGuard(
  engine: DecisionEngine,
  request: DecisionRequest,
  facts: DecisionFacts | undefined,
  mark: number,
): HistoryGuard | undefined {
  const inputs = engine.inputs();
  if (!facts?.history || "decision" in inputs || !readsHistory(inputs.policies, request)) return undefined;
  return { query: historyQueryOf(engine, request, facts.now), known: facts.history, mark };
}
