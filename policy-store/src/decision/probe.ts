import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import { traceDecision, withSpan } from "../observability/tracing.js";
import { type AuthorizeDeps, observeDecision } from "./authorize-deps.js";
import { checkedEvaluation } from "./checked-evaluation.js";
import { answerWithinDeadline } from "./deadline.js";
import { type Decision, deny } from "./decision.js";
import { answerOf, type Caller, decisionRecord } from "./pipeline.js";
import { newDecisionId } from "./random-ids.js";

/** Where probes are counted and logged (observeDecision, the deadline's late deny). */
const via = "authorize_probe";

/**
 * Would this be allowed now? The same checks as authorize (who may speak, recorded business
 * objects, facts, policy, revocations), answered within the decision deadline and recorded like any
 * decision (`via: "probe"`), but acting on nothing: no artifact is signed, no approval opened or
 * spent, nothing touched, no duty or business object recorded. An enforcement point asks it to
 * show what it could offer (the MCP gateway's tools/list); an allow here permits nothing: the
 * action itself must still be authorized.
 */
export function probe(request: AuthorizeRequest, caller: Caller, deps: AuthorizeDeps): Promise<AuthorizeResponse> {
  return traceDecision(request, () =>
    answerWithinDeadline(request, caller, deps, via, (d) => probeOnce(request, caller, d)),
  );
}

async function probeOnce(given: AuthorizeRequest, caller: Caller, deps: AuthorizeDeps): Promise<AuthorizeResponse> {
  const started = performance.now();
  const { engine, log } = deps;
  const { recorded, evaluation, outcome: judged } = await checkedEvaluation(engine, given, caller);
  const { request } = recorded;
  // An approval the action would need is named by its reason; a probe opens none.
  let outcome: Decision = { ...judged, obligations: judged.obligations.filter((o) => o.type !== "approval") };
  const decisionId = newDecisionId();
  try {
    const record = decisionRecord(decisionId, request, outcome, evaluation, caller, { via: "probe" });
    await withSpan("pea.audit.write", {}, () => log.record(record));
  } catch {
    outcome = deny("audit_unavailable");
  }
  observeDecision(deps, via, decisionId, outcome, started);
  return answerOf(decisionId, outcome, evaluation);
}
