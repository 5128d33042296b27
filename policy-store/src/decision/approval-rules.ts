import type { Reason } from "@pea/schemas";
import type { cedar } from "../cedar/cedar.js";
import type { LoadedPolicySet, PolicyInfo, PolicyProblem } from "../policy/policy-set.js";
import type { Decision } from "./decide.js";

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

const MAX_APPROVERS = 10;

/** The approval rule a policy carries, if any. */
export function approvalRule(info: PolicyInfo | undefined): { group: string; approvers: number } | undefined {
  const group = info?.annotations.approval;
  if (info?.effect !== "forbid" || group === undefined || group === "") return undefined;
  const approvers = Number(info.annotations.approvers ?? "1");
  return { group, approvers };
}

/** Problems with @approval/@approvers annotations (checked when a policy set is compiled). */
export function approvalProblems(policies: Map<string, PolicyInfo>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const info of policies.values()) {
    const where = { file: info.file, line: info.line, column: 1 };
    const { approval, approvers } = info.annotations;
    if (approval === undefined) {
      if (approvers !== undefined) problems.push({ ...where, message: '@approvers needs @approval("<group>")' });
      continue;
    }
    if (info.effect !== "forbid") {
      problems.push({ ...where, message: "@approval belongs on a forbid policy (the rule a human may lift)" });
    }
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(approval)) {
      problems.push({ ...where, message: `@approval("${approval}") must name a group id` });
    }
    if (approvers !== undefined && !/^[1-9][0-9]*$/.test(approvers)) {
      problems.push({ ...where, message: `@approvers("${approvers}") must be a positive whole number` });
    } else if (approvers !== undefined && Number(approvers) > MAX_APPROVERS) {
      problems.push({ ...where, message: `@approvers may ask for at most ${MAX_APPROVERS} approvers` });
    }
  }
  return problems;
}

type Answer = ReturnType<typeof cedar.statefulIsAuthorized>;

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
  evaluateWaived: (preparsedSetId: string) => Answer,
): { need: ApprovalNeed; permits: string[] } | { notPermitted: true } | undefined {
  if (!approvalWaivedId || forbids.length === 0) return undefined;
  const requirements: ApprovalRequirement[] = [];
  for (const id of forbids) {
    const rule = approvalRule(policies.policies.get(id));
    if (!rule) return undefined;
    requirements.push({ policy: id, ...rule });
  }
  const answer = evaluateWaived(approvalWaivedId);
  if (answer.type !== "success") return undefined;
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0) return undefined;
  // Nothing would permit it even without the approval rules: no approval can help.
  if (decision !== "allow") return diagnostics.reason.length === 0 ? { notPermitted: true } : undefined;
  return { need: { link, requirements }, permits: diagnostics.reason };
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
