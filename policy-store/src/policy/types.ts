// The shapes of a policy set, shared by the compiler, the engine and the decision: a leaf module.
import type { ReasonCode } from "@pea/schemas";
import type { PolicySlice } from "../cedar/slices.js";

export interface PolicySource {
  /** Path relative to the policy directory, with forward slashes. */
  file: string;
  text: string;
}

export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  help?: string;
}

export interface PolicyInfo {
  id: string;
  file: string;
  line: number;
  effect: "permit" | "forbid";
  /** @reason: the code a deny by this policy carries. */
  reason?: ReasonCode;
  /** @message: what a deny by this policy tells the caller. */
  message?: string;
  annotations: Record<string, string>;
}

export interface LoadedPolicySet {
  /** Content hash of the schema and every policy file. */
  version: string;
  policies: Map<string, PolicyInfo>;
  files: string[];
  /**
   * The slice of the set a (principal type, action, resource type) is decided by, with the context
   * it reads (policy-slices.ts); undefined when the schema does not allow that combination.
   */
  slice(principalType: string, action: string, resourceType: string): PolicySlice | undefined;
  /**
   * Count a decision evaluating with this set until the returned function is called: a retired
   * set's preparsed slices are freed only once no decision holds it.
   */
  hold(): () => void;
  /** The set no longer serves: free its preparsed slices once no decision holds it (repeats are ignored). */
  retire(): void;
}
