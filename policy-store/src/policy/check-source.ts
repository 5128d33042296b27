// Checking a policy set: Cedar's strict validation of each file against the schema, each policy's
// id, annotations and effect, and which slice each policy belongs to. Stateless (nothing is
// preparsed), so it runs on any thread: a running PDP runs it in a worker (check-thread.ts).
import { type ReasonCode, reasonCodes } from "@pea/schemas";
import { cedar, type DetailedError } from "../cedar/cedar.js";
import type { SchemaInfo } from "../cedar/schema.js";
import { planSlices, readPolicy, type SlicePlan } from "../cedar/slices.js";
import { approvalProblems, approvalRule } from "./approval-annotations.js";
import { contentHashOf, versionIdOf } from "./content-id.js";
import type { PolicyInfo, PolicyProblem, PolicySource } from "./types.js";

/** A checked set, ready to be preparsed (policy-set.ts), or what is wrong with it. */
export type CheckedSet =
  | { problems: PolicyProblem[] }
  | { version: string; policies: Map<string, PolicyInfo>; texts: Record<string, string>; plan: SlicePlan };

/**
 * Parse and strictly validate every file, then plan the slices. `versionName` names the set
 * (default: the id its files get when published, content-id.ts: one content, one id).
 */
export function checkPolicySet(
  sources: PolicySource[],
  schema: SchemaInfo,
  versionName: string | undefined,
): CheckedSet {
  const state: CompileState = { problems: [], policies: new Map(), texts: {} };
  for (const source of sources) checkSource(source, schema, state);
  const { problems, policies, texts } = state;
  problems.push(...approvalProblems(policies));
  if (problems.length > 0) return { problems };
  const version = versionName ?? versionIdOf(contentHashOf(sources));
  const reads = new Map(Object.entries(texts).map(([id, text]) => [id, readPolicy(text)]));
  const plan = planSlices(schema, reads, (id) => approvalRule(policies.get(id)) !== undefined);
  return { version, policies, texts, plan };
}

interface CompileState {
  problems: PolicyProblem[];
  policies: Map<string, PolicyInfo>;
  texts: Record<string, string>;
}

function checkSource(source: PolicySource, schema: SchemaInfo, { problems, policies, texts }: CompileState): void {
  const at = lineLocator(source.text);
  const fromCedar = (e: DetailedError): PolicyProblem => ({
    file: source.file,
    ...at(e.sourceLocations?.[0]?.start ?? 0),
    message: e.message,
    ...(e.help ? { help: e.help } : {}),
  });
  const validation = cedar.validate({
    schema: schema.text,
    policies: { staticPolicies: source.text },
    validationSettings: { mode: "strict" },
  });
  if (validation.type === "failure") {
    problems.push(...validation.errors.map(fromCedar));
    return;
  }
  problems.push(...validation.validationErrors.map((v) => fromCedar(v.error)));

  const parts = cedar.policySetTextToParts(source.text);
  if (parts.type === "failure") {
    problems.push(...parts.errors.map(fromCedar));
    return;
  }
  if (parts.policy_templates.length > 0) {
    problems.push({ file: source.file, line: 1, column: 1, message: "templates are not supported in policy files" });
  }
  let searchFrom = 0;
  for (const [index, text] of parts.policies.entries()) {
    const offset = Math.max(0, source.text.indexOf(text, searchFrom));
    searchFrom = offset + text.length;
    const where = { file: source.file, ...at(offset) };
    // The annotations and effect: read directly when they are plain, else from Cedar's JSON form.
    let head = policyHead(text);
    if (!head) {
      const json = cedar.policyToJson(text);
      if (json.type !== "success") {
        problems.push(...json.errors.map(fromCedar));
        continue;
      }
      head = { annotations: json.json.annotations ?? {}, effect: json.json.effect };
    }
    const annotations = head.annotations;
    const id = annotations.id ?? `${source.file}#${index}`;
    const reason = annotations.reason;
    if (reason !== undefined && !(reasonCodes as readonly string[]).includes(reason)) {
      problems.push({
        ...where,
        message: `@reason("${reason}") is not a PEA reason code`,
        help: `use one of ${reasonCodes.join(", ")}`,
      });
    }
    const clash = policies.get(id);
    if (clash) {
      problems.push({
        ...where,
        message: `duplicate policy @id("${id}")`,
        help: `also used at ${clash.file}:${clash.line}`,
      });
      continue;
    }
    policies.set(id, {
      id,
      file: source.file,
      line: where.line,
      effect: head.effect,
      ...(reason !== undefined ? { reason: reason as ReasonCode } : {}),
      ...(annotations.message !== undefined ? { message: annotations.message } : {}),
      annotations,
    });
    texts[id] = text;
  }
}

/**
 * The leading annotations and the effect of one policy's text (already parsed by Cedar), without
 * a round trip through its JSON form; undefined for anything but plain `@name("text")` annotations
 * (escapes and the like), which the caller then reads from Cedar.
 */
export function policyHead(
  text: string,
): { annotations: Record<string, string>; effect: "permit" | "forbid" } | undefined {
  const annotations: Record<string, string> = {};
  let i = 0;
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i] as string)) i++;
      if (!text.startsWith("//", i)) return;
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    }
  };
  for (;;) {
    skip();
    if (text[i] !== "@") break;
    const name = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i, i + 200))?.[1];
    if (!name || Object.hasOwn(annotations, name)) return undefined;
    i += name.length + 1;
    skip();
    if (text[i] !== "(") return undefined;
    i++;
    skip();
    if (text[i] !== '"') return undefined;
    const end = text.indexOf('"', i + 1);
    if (end < 0) return undefined;
    const value = text.slice(i + 1, end);
    if (value.includes("\\")) return undefined;
    annotations[name] = value;
    i = end + 1;
    skip();
    if (text[i] !== ")") return undefined;
    i++;
  }
  const effect = /^(permit|forbid)\b/.exec(text.slice(i, i + 7))?.[1];
  return effect === "permit" || effect === "forbid" ? { annotations, effect } : undefined;
}

/** Line and column of an offset; the line starts are found once per file (files can hold thousands of policies). */
function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (starts[low] as number) + 1 };
  };
}
