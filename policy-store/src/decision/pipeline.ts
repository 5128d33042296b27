// The decision pipeline's two shared steps. Every path that decides (authorize, its batch and probe,
// AuthZEN evaluations and search, `pea policy test`, impact diff, shadow mode) evaluates with
// `evaluate()` and records with `decisionRecord()`, so none of them can skip a check another makes.
import { createHash } from "node:crypto";
import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import type { DecisionRecord } from "../audit/decision-log.js";
import type { DecisionEngine } from "../engine/engine.js";
import { type Speaker, verifyCaller } from "../identity/caller-binding.js";
import { withSpan, withSpanSync } from "../observability/tracing.js";
import type { LoadedPolicySet } from "../policy/types.js";
import type { Run } from "../trust/runs.js";
import { decide } from "./decide.js";
import { type Decision, type DecisionRequest, deny, linkName } from "./decision.js";
import { lookupFacts } from "./facts.js";
import type { Evaluation } from "./inputs.js";
import { revokedDecision } from "./trust-steps.js";

/** Who asks: the key (or PEA's own process) whose binding every request is checked against. */
export interface Caller {
  speaker: Speaker;
}

export const inProcess: Caller = { speaker: "in-process" };

const keyOf = (caller: Caller) => (caller.speaker === "in-process" ? undefined : caller.speaker);
export const keyIdOf = (caller: Caller): string | null => keyOf(caller)?.id ?? null;

/** The request as policy may see it: `evidence` and the caller's `delegation` never reach evaluation. */
export function evaluatedPart(request: AuthorizeRequest): DecisionRequest {
  const { evidence: _evidence, delegation: _delegation, ...evaluated } = request;
  return evaluated;
}

/** The request as the log keeps it: a delegation token only as its sha256 (it is a bearer credential). */
export function loggedPart(request: AuthorizeRequest): Omit<AuthorizeRequest, "delegation"> & { delegation?: string } {
  const { delegation, ...rest } = request;
  if (!delegation) return rest;
  return { ...rest, delegation: `sha256:${createHash("sha256").update(delegation.token).digest("base64url")}` };
}

/**
 * facts → decide → revocations. Never throws and never writes: anything that goes wrong is a deny
 * with its reason. `policies` replaces the engine's active set (impact diff evaluates a candidate).
 */
export async function evaluate(
  engine: DecisionEngine,
  request: DecisionRequest,
  options: {
    policies?: LoadedPolicySet | undefined;
    /** The named run, when the caller check already read it (identity/caller-binding.ts). */
    run?: Run | null | undefined;
  } = {},
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
  // Held until decided: a swap in the meantime frees this set's slices only after (preparsed-slots.ts).
  const release = policies.hold();
  try {
    const facts = await withSpan("pea.facts", {}, () => lookupFacts(engine, request, options.run));
    if ("decision" in facts) return { outcome: unlessRevoked(facts), ...versions };
    const asked = { request, inputs: { ...inputs, policies, facts } };
    const outcome = withSpanSync("pea.evaluate", {}, () => decide(request, asked.inputs));
    return { outcome: unlessRevoked(outcome), ...versions, asked };
  } catch (error) {
    return {
      outcome: unlessRevoked(deny("evaluation_error", `evaluation failed: ${(error as Error).message}`)),
      ...versions,
    };
  } finally {
    release();
  }
}

/** evaluate(), once the caller is shown to speak for the request (identity/caller-binding.ts). */
export async function evaluateFor(
  engine: DecisionEngine,
  request: AuthorizeRequest,
  caller: Caller,
): Promise<Evaluation> {
  const checked = await verifyCaller(engine, evaluatedPart(request), caller.speaker, request.delegation);
  if ("denied" in checked) return unevaluated(engine, checked.denied);
  return evaluate(engine, checked.request, { run: checked.run });
}

/** An evaluation that stopped before policy (the caller was refused): the deny, at the live versions. */
export function unevaluated(engine: DecisionEngine, outcome: Decision): Evaluation {
  return { outcome, policyVersion: engine.policyVersion, entitlementVersion: engine.entitlementVersion };
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
    request: via ? { ...loggedPart(request), via } : loggedPart(request),
    determiningPolicies: outcome.determiningPolicies,
    policyVersion: evaluation.policyVersion,
    entitlementVersion: evaluation.entitlementVersion,
    apiKeyId: keyIdOf(caller),
    apiKeyCreatedBy: keyOf(caller)?.createdBy ?? null,
    revocable: { principal: request.principal, chain: request.chain, intent: request.intent, run: request.run },
    ...rest,
  };
}

/** What the caller is answered: the outcome under its decision id and versions, an allow's artifact. */
export function answerOf(
  decisionId: string,
  outcome: Decision,
  versions: Pick<Evaluation, "policyVersion" | "entitlementVersion">,
  artifact?: string,
): AuthorizeResponse {
  return {
    decision: outcome.decision,
    decisionId,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    ...(outcome.decision === "allow" && artifact ? { artifact } : {}),
    policyVersion: versions.policyVersion,
    entitlementVersion: versions.entitlementVersion,
  };
}
