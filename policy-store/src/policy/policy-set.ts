import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PeaError } from "@pea/schemas";
import { leaseSlot } from "../cedar/preparsed-slots.js";
import type { SchemaInfo } from "../cedar/schema.js";
import { placeSlices, sliceKey } from "../cedar/slices.js";
import { type CheckedSet, checkPolicySet } from "./check-source.js";
import { checkOffThread } from "./check-thread.js";
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
 * `version` names the set (default: the id its files get when published).
 */
export function compilePolicySet(
  sources: PolicySource[],
  schema: SchemaInfo,
  options: { version?: string } = {},
): LoadedPolicySet {
  const { set, preparse } = placeSet(checkPolicySet(sources, schema, options.version), sources);
  try {
    for (const step of preparse) runPreparse(step);
  } catch (error) {
    set.retire();
    throw error;
  }
  return set;
}

/**
 * compilePolicySet for a running process: the check runs in a worker thread (check-thread.ts) and
 * only the preparse on this one, a slice per turn of the event loop, so requests keep being
 * answered while a large set compiles. Fails (never hangs) when the worker fails or takes longer
 * than `checkTimeoutMs` (default 5 minutes).
 */
export async function compilePolicySetAsync(
  sources: PolicySource[],
  schema: SchemaInfo,
  options: { version?: string; checkTimeoutMs?: number } = {},
): Promise<LoadedPolicySet> {
  const checked = await checkOffThread(sources, schema.text, options.version, options.checkTimeoutMs ?? 300_000);
  const { set, preparse } = placeSet(checked, sources);
  try {
    for (const step of preparse) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      runPreparse(step);
    }
  } catch (error) {
    set.retire();
    throw error;
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

/**
 * The checked set in a slot of Cedar's cache (cedar/preparsed-slots.ts), with the steps that
 * preparse its slices there. Each slice is preparsed on its own (cedar/slices.ts): the whole set
 * never is, nothing evaluates it.
 */
function placeSet(checked: CheckedSet, sources: PolicySource[]): { set: LoadedPolicySet; preparse: Array<() => void> } {
  if ("problems" in checked) throw new PolicySetError(checked.problems);
  const { version, policies, texts, plan } = checked;
  const lease = leaseSlot(version);
  const { slices, preparse } = placeSlices(plan, lease.prefix, texts, (id, slice) => lease.preparse(id, slice));
  const set: LoadedPolicySet = {
    version,
    policies,
    files: sources.map((s) => s.file),
    slice: (principalType, action, resourceType) => {
      // Fail-closed: a set whose slot was emptied must never be evaluated (the ids hold another set).
      if (!lease.live) throw new Error(`policy version ${version} is no longer loaded`);
      return slices.get(sliceKey(principalType, action, resourceType));
    },
    hold: () => lease.hold(),
    retire: () => lease.release(),
  };
  return { set, preparse };
}
