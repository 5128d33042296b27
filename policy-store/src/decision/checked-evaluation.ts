import type { AuthorizeRequest } from "@pea/schemas";
import type { DecisionEngine } from "../engine/engine.js";
import { verifyCaller } from "../identity/caller-binding.js";
import { asRecorded, type RecordedObject } from "./business-objects.js";
import type { Decision } from "./decision.js";
import type { Evaluation } from "./inputs.js";
import { type Caller, evaluate, evaluatedPart, unevaluated } from "./pipeline.js";
import { historyMark } from "./scope-order.js";

export interface CheckedEvaluation {
  /** The request as judged: the run the caller's credential names, the business object as recorded. */
  recorded: RecordedObject;
  evaluation: Evaluation;
  /** The evaluation's outcome, or the deny of a business object described otherwise than recorded. */
  outcome: Decision;
  /** The embedded store's history position before the facts were read (scope-order.ts). */
  mark: number;
}

/**
 * What every path that acts on a decision (authorize, its batch, probe) checks before it acts: whom
 * the caller may speak for (identity/caller-binding.ts), the business object as PEA recorded it
 * (business-objects.ts), then evaluate(). `refused` is a deny already reached (stale entitlements):
 * the rest is skipped. Never throws: a refusal on the way is an unevaluated deny.
 */
export async function checkedEvaluation(
  engine: DecisionEngine,
  given: AuthorizeRequest,
  caller: Caller,
  refused?: Decision,
): Promise<CheckedEvaluation> {
  const checked = refused
    ? { denied: refused }
    : await verifyCaller(engine, evaluatedPart(given), caller.speaker, given.delegation);
  if ("denied" in checked) {
    const evaluation = unevaluated(engine, checked.denied);
    return {
      recorded: { request: given },
      evaluation,
      outcome: evaluation.outcome,
      mark: historyMark(engine.database),
    };
  }
  const recorded = await asRecorded(engine, { ...given, run: checked.request.run });
  const mark = historyMark(engine.database);
  const evaluation = await evaluate(engine, evaluatedPart(recorded.request), { run: checked.run });
  return { recorded, evaluation, outcome: recorded.denied ?? evaluation.outcome, mark };
}
