// What a decision is, as every part of PEA speaks of it: the request policy may see, the answer,
// and the denies. A leaf module: it imports no other part of PEA, so anything may import it.
import type { EntityRef, Obligation, Reason, ReasonCode } from "@pea/schemas";
import type { PolicyInfo } from "../policy/types.js";

/**
 * What policy evaluation may see. There is deliberately no `evidence` here: model-derived signals
 * are logged beside the decision, and the type system keeps them out of this function.
 */
export interface DecisionRequest {
  principal: EntityRef;
  chain: EntityRef[];
  intent?: string | undefined;
  run?: string | undefined;
  action: string;
  resource: { type: string; id: string; attributes?: Record<string, unknown> | undefined };
  context: Record<string, unknown>;
}

/**
 * Approval rules: compliance marks a forbid policy with @approval("<group>") (and optionally
 * @approvers("<n>"), default 1) to say "a human may lift this". When such rules are the only thing
 * between a request and an allow, the answer is deny approval_required with an approval obligation.
 *
 *   @id("bank.large-payment") @reason("approval_required")
 *   @approval("payments-approvers") @approvers("1")
 *   forbid (principal, action == Action::"payment:initiate", resource is Payment)
 *   when { resource.amount > 10000 };
 */
export interface ApprovalRequirement {
  /** The approval rule (policy id). */
  policy: string;
  /** The group an approver must hold. */
  group: string;
  /** How many distinct approvers of that group. */
  approvers: number;
}

export interface ApprovalNeed {
  link: string;
  requirements: ApprovalRequirement[];
}

export interface Decision {
  decision: "allow" | "deny";
  reasons: Reason[];
  obligations: Obligation[];
  /** Policies that decided: the permits behind an allow, the forbids behind a deny (for the log). */
  determiningPolicies: string[];
  /** Set on a deny that only approval rules stand behind: what a human approval must satisfy. */
  approval?: ApprovalNeed | undefined;
}

const defaultMessages: Record<ReasonCode, string> = {
  policy_denied: "a policy forbids this action",
  not_permitted: "no policy permits this action",
  intent_scope: "the action lies outside the delegated task",
  delegation_invalid: "this link may not be handed the work by the previous one",
  barrier: "an information barrier forbids this action",
  sod: "separation of duties forbids this action",
  approval_required: "this action needs a human approval",
  run_inactive: "the run is not active",
  run_mismatch: "the request does not match its run",
  principal_revoked: "the actor is suspended or revoked",
  unknown_entity: "an entity named in the request is not known",
  invalid_request: "the request cannot be evaluated",
  store_unavailable: "the entitlement store is unavailable",
  evaluation_error: "policy evaluation failed",
  audit_unavailable: "the decision could not be recorded",
  object_mismatch: "the request describes a business object differently from what PEA recorded",
  unverified_principal: "the caller's key may not speak for this principal",
  unverified_delegation: "nothing PEA verified shows this delegation",
};

// Cedar reports the forbids that denied in no set order. PEA names them in a fixed one: first who
// may act at all, then what the task allows, then the rules about the data and the duties.
const precedence: readonly ReasonCode[] = [
  "principal_revoked",
  "delegation_invalid",
  "intent_scope",
  "run_inactive",
  "run_mismatch",
  "barrier",
  "sod",
  "approval_required",
  "policy_denied",
];
const rank = (code: ReasonCode) => {
  const at = precedence.indexOf(code);
  return at < 0 ? precedence.length : at;
};
const byPrecedence = (a: Reason, b: Reason) =>
  rank(a.code) - rank(b.code) ||
  ((a.policy ?? "") < (b.policy ?? "") ? -1 : (a.policy ?? "") > (b.policy ?? "") ? 1 : 0);

export const linkName = (ref: { type: string; id: string }) => `${ref.type}::${ref.id}`;

export function deny(code: ReasonCode, message?: string, extra: Partial<Reason> = {}): Decision {
  return {
    decision: "deny",
    reasons: [{ code, message: message ?? defaultMessages[code], ...extra }],
    obligations: [],
    determiningPolicies: [],
  };
}

/** The deny for a link that policies forbid, naming each forbid in precedence order. */
export function forbidden(
  policyIds: string[],
  policies: { policies: ReadonlyMap<string, PolicyInfo> },
  link: string,
  fallbackMessage?: string,
): Decision {
  return {
    decision: "deny",
    reasons: policyIds
      .map((id): Reason => {
        const info = policies.policies.get(id);
        const code = info?.reason ?? "policy_denied";
        return { code, message: info?.message ?? fallbackMessage ?? defaultMessages[code], policy: id, link };
      })
      .sort(byPrecedence),
    obligations: [],
    determiningPolicies: policyIds,
  };
}
