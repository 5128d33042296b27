import { randomBytes } from "node:crypto";
import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import { type Decision, decide, deny, linkName } from "./decide.js";
import type { DecisionLog } from "./decision-log.js";
import type { DecisionEngine } from "./engine.js";
import { lookupFacts, recordDecisionEffects } from "./governance.js";

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
export async function authorize(
  request: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
): Promise<AuthorizeResponse> {
  const { engine, log } = deps;
  const inputs = engine.inputs();
  let outcome: Decision;
  let policyVersion = engine.policyVersion;
  let entitlementVersion = engine.entitlementVersion;
  if ("decision" in inputs) {
    outcome = inputs;
  } else {
    policyVersion = inputs.policies.version;
    entitlementVersion = inputs.snapshot.version;
    const { evidence: _evidence, ...evaluated } = request;
    try {
      const facts = await lookupFacts(engine, evaluated);
      outcome = "decision" in facts ? facts : decide(evaluated, { ...inputs, facts });
    } catch (error) {
      outcome = deny("evaluation_error", `evaluation failed: ${(error as Error).message}`);
    }
  }

  const decisionId = newDecisionId();
  // History and duties: what an allow touches is recorded before it is answered (governance.ts).
  if (outcome.decision === "allow") outcome = await recordDecisionEffects(engine, decisionId, request, caller, outcome);
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
    });
  } catch {
    const reasons = outcome.decision === "deny" ? outcome.reasons : [];
    outcome = { ...deny("audit_unavailable"), reasons: [...deny("audit_unavailable").reasons, ...reasons] };
  }

  return {
    decision: outcome.decision,
    decisionId,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    policyVersion,
    entitlementVersion,
  };
}
