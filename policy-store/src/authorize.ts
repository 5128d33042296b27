import { randomBytes } from "node:crypto";
import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import { type Decision, type DecisionInputs, type DecisionRequest, decide, deny, linkName } from "./decide.js";
import { asRecorded, fixOnApproval } from "./decision/business-objects.js";
import { historyGuard } from "./decision/history-guard.js";
import { type HistoryGuard, HistoryMoved, historyMark, inScopeOrder } from "./decision/scope-order.js";
import type { DecisionLog } from "./decision-log.js";
import type { DecisionEngine } from "./engine.js";
import { decisionEffects, lookupFacts } from "./governance.js";
import type { DecisionEffects } from "./history.js";
import { revokedDecision, settleApproval, signAllow } from "./runtime-trust.js";

export interface AuthorizeDeps {
  engine: DecisionEngine;
  log: DecisionLog;
}

export interface Caller {
  apiKeyId: string | null;
}

export function newDecisionId(): string {
  return `dec_${Date.now().toString(36)}${randomBytes(10).toString("hex")}`;
}

/**
 * Decide, record, answer. Whatever goes wrong on the way is a deny with its reason; an allow is
 * returned only once its record is durable.
 */
export function authorize(request: AuthorizeRequest, caller: Caller, deps: AuthorizeDeps): Promise<AuthorizeResponse> {
  // Taken again on fresh facts when the history it read moved before its allow was written.
  return inScopeOrder((last) => authorizeOnce(request, caller, deps, last));
}

async function authorizeOnce(
  request: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
  lastAttempt: boolean,
): Promise<AuthorizeResponse> {
  const { engine, log } = deps;
  // A business object PEA has recorded is judged as recorded (decision/business-objects.ts).
  const recorded = await asRecorded(engine, request);
  request = recorded.request;
  let guard: HistoryGuard | undefined;
  const inputs = engine.inputs();
  let outcome: Decision;
  let policyVersion = engine.policyVersion;
  let entitlementVersion = engine.entitlementVersion;
  let shadowed: { request: DecisionRequest; inputs: DecisionInputs } | undefined;
  if ("decision" in inputs) {
    outcome = inputs;
  } else {
    policyVersion = inputs.policies.version;
    entitlementVersion = inputs.snapshot.version;
    const { evidence: _evidence, ...evaluated } = request;
    try {
      const mark = historyMark(engine.database);
      const facts = await lookupFacts(engine, evaluated);
      outcome = "decision" in facts ? facts : decide(evaluated, { ...inputs, facts });
      if (!("decision" in facts)) shadowed = { request: evaluated, inputs: { ...inputs, facts } };
      if (!("decision" in facts)) guard = historyGuard(engine, evaluated, facts, mark);
    } catch (error) {
      outcome = deny("evaluation_error", `evaluation failed: ${(error as Error).message}`);
    }
  }

  if (recorded.denied) outcome = recorded.denied;
  // Revocations (trust.ts): a revoked agent, grant, task or run denies whatever policy says.
  const revoked = revokedDecision(request, engine.trust);
  if (revoked) outcome = revoked;

  const decisionId = newDecisionId();
  // Shadow mode: the candidate decides too, after this answer; never enforced (policy-store/src/shadow.ts).
  const shadow = engine.shadowPolicies;
  if (shadow && shadowed) {
    engine.shadow.observe(shadowed.request, shadowed.inputs, shadow, outcome, decisionId, policyVersion);
  }
  // Approval rules: open (or find) the approval, or spend the one the caller brings (runtime-trust.ts).
  const approval = await settleApproval(engine, request, outcome, decisionId, caller.apiKeyId);
  outcome = approval.outcome;
  await fixOnApproval(engine.database, recorded, outcome, decisionId).catch(() => {});
  // History and duties: what an allow touches is written with its audit record, below (governance.ts).
  let effects: DecisionEffects | undefined;
  if (outcome.decision === "allow") ({ outcome, effects } = decisionEffects(engine, request, outcome));
  if (effects?.object && recorded.object) effects.object.attributes = request.resource.attributes ?? {};
  // Every allow carries a signed artifact bound to this request (artifacts.ts).
  const signed = await signAllow(engine, request, outcome, { decisionId, policyVersion, entitlementVersion, approval });
  outcome = signed.outcome;
  try {
    await log.record({
      id: decisionId,
      principal: linkName(request.principal),
      action: request.action,
      resource: linkName(request.resource),
      intent: request.intent ?? null,
      runId: request.run ?? null,
      decision: outcome.decision,
      reasons: outcome.reasons,
      obligations: outcome.obligations,
      request,
      determiningPolicies: outcome.determiningPolicies,
      policyVersion,
      entitlementVersion,
      apiKeyId: caller.apiKeyId,
      artifactId: signed.artifact ? decisionId : undefined,
      approvalId: approval.approvalId,
      approver: approval.approvers?.join(","),
      // Committed with the record or not at all: an allow is never answered without both.
      effects: outcome.decision === "allow" ? effects : undefined,
      guard,
    });
  } catch (error) {
    if (error instanceof HistoryMoved && !lastAttempt) throw error;
    const cause = error instanceof HistoryMoved ? deny("store_unavailable", error.message) : deny("audit_unavailable");
    const reasons = outcome.decision === "deny" ? outcome.reasons : [];
    outcome = { ...cause, reasons: [...cause.reasons, ...reasons] };
  }

  return {
    decision: outcome.decision,
    decisionId,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    ...(outcome.decision === "allow" && signed.artifact ? { artifact: signed.artifact } : {}),
    policyVersion,
    entitlementVersion,
  };
}
