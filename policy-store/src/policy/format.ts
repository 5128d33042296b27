import { cedar } from "../cedar/cedar.js";
import type { PolicySource } from "./types.js";

export type FormatResult = { file: string; changed: boolean; formatted: string } | { file: string; error: string };

/** Cedar's own formatter over each file (comments kept); `changed` when the file is not formatted. */
export function formatPolicySources(sources: PolicySource[]): FormatResult[] {
  return sources.map((source) => {
    const answer = cedar.formatPolicies({ policyText: source.text, lineWidth: 100, indentWidth: 2 });
    if (answer.type !== "success") {
      return { file: source.file, error: answer.errors.map((e) => e.message).join("; ") };
    }
    const formatted = answer.formatted_policy.endsWith("\n") ? answer.formatted_policy : `${answer.formatted_policy}\n`;
    return { file: source.file, changed: formatted !== source.text, formatted };
  });
}
