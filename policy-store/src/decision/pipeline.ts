// The decision pipeline's two shared steps. Every path that decides (authorize and its batch,
// AuthZEN evaluations and search, `pea policy test`, impact diff, shadow mode) evaluates with
// `evaluate()` and records with `decisionRecord()`, so none of them can skip a check another makes.
import type { AuthorizeRequest } from "@pea/schemas";
import type { DecisionRecord } from "../audit/decision-log.js";
import type { DecisionEngine } from "../engine/engine.js";
import { withSpan, withSpanSync } from "../observability/tracing.js";
import type { LoadedPolicySet } from "../policy/types.js";
import { decide } from "./decide.js";
import { type Decision, type DecisionRequest, deny, linkName } from "./decision.js";
import { lookupFacts } from "./facts.js";
import type { Evaluation } from "./inputs.js";
import { randomHex } from "./random-ids.js";
import { revokedDecision } from "./trust-steps.js";

/** Who asks, as far as the log is concerned. */
export interface Caller {
  apiKeyId: string | null;
}

export function newDecisionId(): string {
  return `dec_${Date.now().toString(36)}${randomHex(10)}`;
}

/** The request as policy may see it: `evidence` never reaches evaluation. */
export function evaluatedPart(request: AuthorizeRequest): DecisionRequest {
  const { evidence: _evidence, ...evaluated } = request;
  return evaluated;
}

/**
 * facts → decide → revocations. Never throws and never writes: anything that goes wrong is a deny
 * with its reason. `policies` replaces the engine's active set (impact diff evaluates a candidate).
 */
export async function evaluate(
  engine: DecisionEngine,
  request: DecisionRequest,
  options: { policies?: LoadedPolicySet | undefined } = {},
): Promise<Evaluation> {
  const inputs = engine.inputs();
  // Revocations (trust/revocations.ts): a revoked agent, grant, task or run denies whatever policy says.
  const unlessRevoked = (outcome: Decision) => revokedDecision(request, engine.trust) ?? outcome;
  if ("decision" in inputs) {
    return {
      outcome: unlessRevoked(inputs),
      policyVersion: engine.policyVersion,
      entitlementVersion: engine.entitlementVersion,
    };
  }
  const policies = options.policies ?? inputs.policies;
  const versions = { policyVersion: policies.version, entitlementVersion: inputs.snapshot.version };
  try {
    const facts = await withSpan("pea.facts", {}, () => lookupFacts(engine, request));
    if ("decision" in facts) return { outcome: unlessRevoked(facts), ...versions };
    const asked = { request, inputs: { ...inputs, policies, facts } };
    const outcome = withSpanSync("pea.evaluate", {}, () => decide(request, asked.inputs));
    return { outcome: unlessRevoked(outcome), ...versions, asked };
  } catch (error) {
    return {
      outcome: unlessRevoked(deny("evaluation_error", `evaluation failed: ${(error as Error).message}`)),
      ...versions,
    };
  }
}

/** The same request on the same facts, decided by another policy set (revocations apply as live). */
export function reEvaluate(
  evaluation: Evaluation,
  policies: LoadedPolicySet,
  trust: DecisionEngine["trust"],
): Decision {
  if (!evaluation.asked) return evaluation.outcome;
  const { request, inputs } = evaluation.asked;
  let outcome: Decision;
  try {
    outcome = decide(request, { ...inputs, policies });
  } catch (error) {
    outcome = deny("evaluation_error", `evaluation failed: ${(error as Error).message}`);
  }
  return revokedDecision(request, trust) ?? outcome;
}

/** The audit log's record of one decision, as every path writes it. */
export function decisionRecord(
  id: string,
  request: AuthorizeRequest,
  outcome: Decision,
  evaluation: Pick<Evaluation, "policyVersion" | "entitlementVersion">,
  caller: Caller,
  extra: Pick<DecisionRecord, "artifactId" | "approvalId" | "approver" | "effects" | "guard"> & { via?: string } = {},
): DecisionRecord {
  const { via, ...rest } = extra;
  return {
    id,
    principal: linkName(request.principal),
    action: request.action,
    resource: linkName(request.resource),
    intent: request.intent ?? null,
    runId: request.run ?? null,
    decision: outcome.decision,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    // The request as received, evidence included (the log is for humans); `via` says which API asked.
    request: via ? { ...request, via } : request,
    determiningPolicies: outcome.determiningPolicies,
    policyVersion: evaluation.policyVersion,
    entitlementVersion: evaluation.entitlementVersion,
    apiKeyId: caller.apiKeyId,
    revocable: { principal: request.principal, chain: request.chain, intent: request.intent, run: request.run },
    ...rest,
  };
}
