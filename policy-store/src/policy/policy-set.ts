import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PeaError } from "@pea/schemas";
import type { SchemaInfo } from "../cedar/schema.js";
import { planSlices, readPolicy, sliceKey } from "../cedar/slices.js";
import { approvalProblems, approvalRule } from "./approval-annotations.js";
import { type CompileState, checkSource } from "./check-source.js";
import { contentHashOf, versionIdOf } from "./content-id.js";
import type { LoadedPolicySet, PolicyProblem, PolicySource } from "./types.js";

export class PolicySetError extends PeaError {
  constructor(readonly problems: PolicyProblem[]) {
    super("invalid_request", problems.map(formatProblem).join("\n"));
  }
}

export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}${p.help ? ` (hint: ${p.help})` : ""}`;
}

/** Every *.cedar file below `dir`, in a stable order. */
export async function readPolicyDir(dir: string): Promise<PolicySource[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".cedar"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(
    files.map(async (path) => ({ file: relative(dir, path).split(sep).join("/"), text: await readFile(path, "utf8") })),
  );
}

/**
 * Parse and strictly validate policy files against the schema; on success the set is preparsed in
 * the Cedar engine and ready for statefulIsAuthorized. Throws PolicySetError naming file and line.
 * `version` names the set (default: a content hash of the schema and every file).
 */
export function compilePolicySet(
  sources: PolicySource[],
  schema: SchemaInfo,
  options: { version?: string } = {},
): LoadedPolicySet {
  const state: CompileState = { problems: [], policies: new Map(), texts: {} };
  for (const source of sources) checkSource(source, schema, state);
  const { set, preparse } = finishCompile(sources, schema, state, options.version);
  for (const step of preparse) runPreparse(step);
  return set;
}

/**
 * compilePolicySet for a running process: yields to the event loop between files and between
 * slices, so requests keep being answered while a large set is checked; only the preparse of the
 * whole set and of each slice are single steps.
 */
export async function compilePolicySetAsync(
  sources: PolicySource[],
  schema: SchemaInfo,
  options: { version?: string } = {},
): Promise<LoadedPolicySet> {
  const state: CompileState = { problems: [], policies: new Map(), texts: {} };
  for (const source of sources) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    checkSource(source, schema, state);
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  const { set, preparse } = finishCompile(sources, schema, state, options.version);
  for (const step of preparse) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    runPreparse(step);
  }
  return set;
}

function runPreparse(step: () => void): void {
  try {
    step();
  } catch (error) {
    throw new PolicySetError([{ file: "(policy set)", line: 1, column: 1, message: (error as Error).message }]);
  }
}

function finishCompile(
  sources: PolicySource[],
  schema: SchemaInfo,
  { problems, policies, texts }: CompileState,
  versionName: string | undefined,
): { set: LoadedPolicySet; preparse: Array<() => void> } {
  problems.push(...approvalProblems(policies));
  if (problems.length > 0) throw new PolicySetError(problems);

  // The same id the set gets once published (content-id.ts): one content, one id.
  const version = versionName ?? versionIdOf(contentHashOf(sources));
  // Each slice is preparsed on its own (policy-slices.ts): the whole set never is, nothing evaluates it.
  const reads = new Map(Object.entries(texts).map(([id, text]) => [id, readPolicy(text)]));
  const isApprovalRule = (id: string) => approvalRule(policies.get(id)) !== undefined;
  const { slices, preparse } = planSlices(`policies-${version}`, schema, texts, reads, isApprovalRule);
  const set: LoadedPolicySet = {
    version,
    policies,
    files: sources.map((s) => s.file),
    slice: (principalType, action, resourceType) => slices.get(sliceKey(principalType, action, resourceType)),
  };
  return { set, preparse };
}
