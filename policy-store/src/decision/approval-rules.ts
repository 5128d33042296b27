import type { Reason } from "@pea/schemas";
import type { LinkAnswer } from "../cedar/evaluate.js";
import { approvalRule } from "../policy/approval-annotations.js";
import type { LoadedPolicySet } from "../policy/types.js";
import type { ApprovalNeed, ApprovalRequirement, Decision } from "./decision.js";

/**
 * A link was denied. If every forbid that denied it is an approval rule and, without the approval
 * rules, the link is allowed (a permit applies, nothing else forbids, nothing errors), the deny can
 * be lifted by an approval. If nothing would permit it even then, the answer is not_permitted (an
 * approval could not help). Anything else (including an evaluation error) keeps the deny.
 */
export function waiveForApproval(
  forbids: string[],
  policies: LoadedPolicySet,
  link: string,
  approvalWaivedId: string | undefined,
  evaluateWaived: (preparsedSetId: string) => LinkAnswer,
): { need: ApprovalNeed; permits: string[] } | { notPermitted: true } | undefined {
  if (!approvalWaivedId || forbids.length === 0) return undefined;
  const requirements: ApprovalRequirement[] = [];
  for (const id of forbids) {
    const rule = approvalRule(policies.policies.get(id));
    if (!rule) return undefined;
    requirements.push({ policy: id, ...rule });
  }
  const answer = evaluateWaived(approvalWaivedId);
  if (answer.effect === "error") return undefined;
  // Nothing would permit it even without the approval rules: no approval can help.
  if (answer.effect === "deny") return answer.policies.length === 0 ? { notPermitted: true } : undefined;
  return { need: { link, requirements }, permits: answer.policies };
}

/** The deny answered while approval rules stand between the request and an allow. */
export function approvalRequired(needs: ApprovalNeed[], policies: LoadedPolicySet, permits: string[]): Decision {
  const requirements = new Map<string, ApprovalRequirement>();
  const reasons: Reason[] = [];
  for (const need of needs) {
    for (const r of need.requirements) {
      if (!requirements.has(r.policy)) {
        requirements.set(r.policy, r);
        const info = policies.policies.get(r.policy);
        reasons.push({
          code: "approval_required",
          message: info?.message ?? `this action needs approval by ${r.approvers} of ${r.group}`,
          policy: r.policy,
          link: need.link,
        });
      }
    }
  }
  return {
    decision: "deny",
    reasons,
    obligations: [],
    determiningPolicies: [...requirements.keys(), ...permits],
    approval: { link: needs[0]?.link ?? "", requirements: [...requirements.values()] },
  };
}
