// Approval rules, as written: compliance marks a forbid with @approval("<group>") (and optionally
// @approvers("<n>"), default 1) to say "a human may lift this". Checked when a set is compiled;
// decision/approval-rules.ts applies them when a request is decided.
import type { PolicyInfo, PolicyProblem } from "./types.js";

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
