import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import type { DecisionEffects } from "../governance/history.js";
import { traceDecision, withSpan } from "../observability/tracing.js";
import { RevokedBeforeRecorded } from "../trust/revocations.js";
import { type AuthorizeDeps, observeDecision } from "./authorize-deps.js";
import { fixOnApproval } from "./business-objects.js";
import { checkedEvaluation } from "./checked-evaluation.js";
import { answerWithinDeadline } from "./deadline.js";
import { type Decision, deny } from "./decision.js";
import { decisionEffects } from "./facts.js";
import { historyGuard } from "./history-guard.js";
import { answerOf, type Caller, decisionRecord, keyIdOf, reEvaluate } from "./pipeline.js";
import { newDecisionId } from "./random-ids.js";
import { HistoryMoved, inScopeOrder } from "./scope-order.js";
import { settleApproval, signAllow } from "./trust-steps.js";

export { type AuthorizeDeps, type DecisionEvent, observeDecision } from "./authorize-deps.js";

/**
 * Decide, record, answer: evaluate (facts → decide → revocations), then approvals, effects and the
 * artifact, then the audit record. Whatever goes wrong on the way is a deny with its reason; an
 * allow is returned only once its record is durable.
 */
export function authorize(
  request: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
  via = "authorize",
  consistency: Consistency = {},
): Promise<AuthorizeResponse> {
  // Taken again on fresh facts when the history it read moved before its allow was written.
  const decide = (d: AuthorizeDeps) =>
    inScopeOrder((last) => authorizeOnce(request, caller, d, via, last, consistency));
  return traceDecision(request, () => answerWithinDeadline(request, caller, deps, via, decide));
}

/** How fresh the data judging a decision must be (a version the caller's own change returned). */
export interface Consistency {
  atLeastEntitlementVersion?: number | undefined;
}

async function staleEntitlements(
  engine: AuthorizeDeps["engine"],
  consistency: Consistency,
): Promise<Decision | undefined> {
  const wanted = consistency.atLeastEntitlementVersion;
  if (wanted === undefined) return undefined;
  try {
    if (await engine.entitlementsAtLeast(wanted)) return undefined;
  } catch {
    // Unreadable store: the same deny, below.
  }
  return deny(
    "store_unavailable",
    `entitlements at version ${wanted} are not loaded here (this PDP holds ${engine.entitlementVersion})`,
  );
}

async function authorizeOnce(
  given: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
  via: string,
  lastAttempt: boolean,
  consistency: Consistency,
): Promise<AuthorizeResponse> {
  const started = performance.now();
  const { engine, log } = deps;
  // Read your writes: judged on entitlements at least as new as the caller's change, or denied.
  const stale = await staleEntitlements(engine, consistency);
  // Whom the caller may speak for, the business object as recorded, then policy (checked-evaluation.ts).
  const judged = await checkedEvaluation(engine, given, caller, stale);
  const { recorded, evaluation, mark } = judged;
  const request = recorded.request;
  const { policyVersion, entitlementVersion } = evaluation;
  let outcome = judged.outcome;
  const guard = evaluation.asked && historyGuard(engine, evaluation.asked.request, evaluation.asked.inputs.facts, mark);

  const decisionId = newDecisionId();
  // Shadow mode: the candidate decides too, after this answer; never enforced (policy/shadow.ts).
  const shadow = engine.shadowPolicies;
  if (shadow && evaluation.asked) {
    // Held until the shadow has decided, a turn later: it may be replaced (and freed) meanwhile.
    const release = shadow.set.hold();
    const decideWithShadow = () => {
      try {
        return reEvaluate(evaluation, shadow.set, engine.trust);
      } finally {
        release();
      }
    };
    engine.shadow.observe(evaluation, shadow, decideWithShadow, decisionId);
  }
  // Approval rules: open (or find) the approval, or spend the one the caller brings (trust-steps.ts).
  const approval = await settleApproval(engine, request, outcome, decisionId, keyIdOf(caller));
  outcome = approval.outcome;
  await fixOnApproval(engine.database, recorded, outcome, decisionId).catch(() => {});
  // History and duties: what an allow touches is written with its audit record, below (facts.ts).
  let effects: DecisionEffects | undefined;
  if (outcome.decision === "allow") ({ outcome, effects } = decisionEffects(engine, request, outcome));
  if (effects?.object && recorded.object) effects.object.attributes = request.resource.attributes ?? {};
  // Every allow carries a signed artifact bound to this request (trust/artifacts.ts).
  const signed = await signAllow(engine, request, outcome, { decisionId, policyVersion, entitlementVersion, approval });
  outcome = signed.outcome;
  try {
    const record = decisionRecord(decisionId, request, outcome, evaluation, caller, {
      artifactId: signed.artifact ? decisionId : undefined,
      approvalId: approval.approvalId,
      approver: approval.approvers?.join(","),
      // Committed with the record or not at all: an allow is never answered without both.
      effects: outcome.decision === "allow" ? effects : undefined,
      guard,
    });
    await withSpan("pea.audit.write", {}, () => log.record(record));
  } catch (error) {
    if (error instanceof HistoryMoved && !lastAttempt) throw error;
    const cause =
      error instanceof HistoryMoved
        ? deny("store_unavailable", error.message)
        : error instanceof RevokedBeforeRecorded
          ? error.denial
          : deny("audit_unavailable");
    const reasons = outcome.decision === "deny" ? outcome.reasons : [];
    outcome = { ...cause, reasons: [...cause.reasons, ...reasons] };
  }
  observeDecision(deps, via, decisionId, outcome, started);

  return answerOf(decisionId, outcome, evaluation, signed.artifact);
}
