// `pea policy test`: run the policy test cases kept beside the policies (policy-store/tests/<domain>/*.json,
// the scenario format of policy-store/src/scenarios.ts) through PEA's real decision path, and report them.
import { writeFile } from "node:fs/promises";
import { relative, sep } from "node:path";
import { runScenarioDir, type ScenarioFileResult, type StepResult } from "@pea/policy-store";
import type { Out } from "./usage.js";

type Case = StepResult & { file: string };

export async function runPolicyTests(options: {
  policyDir: string;
  testsDir: string;
  json: boolean;
  /** Report only the cases whose "file > name" contains this text (every step still runs: setup). */
  name?: string | undefined;
  /** Also write the results as JUnit XML to this file (for CI test reports). */
  junit?: string | undefined;
  out: Out;
}): Promise<{ passed: number; failed: number }> {
  const { out } = options;
  let files: ScenarioFileResult[] = [];
  let problem: string | undefined;
  try {
    files = await runScenarioDir(options.testsDir, { policyDir: options.policyDir });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ENOENT") problem = (error as Error).message;
  }
  const name = (file: string) => relative(options.testsDir, file).split(sep).join("/");
  // A case is one checked step: a decision, or a setup step that states an expected error.
  const cases: Case[] = files
    .flatMap((f) =>
      f.steps
        .filter((s) => s.kind === "authorize" || s.expected || !s.passed)
        .map((s) => ({ file: name(f.file), ...s })),
    )
    .filter((c) => options.name === undefined || `${c.file} > ${c.name}`.includes(options.name));
  const passed = cases.filter((c) => c.passed).length;
  const failed = cases.length - passed + (problem ? 1 : 0);
  if (options.junit) await writeFile(options.junit, junitXml(cases, problem));
  if (options.json) {
    out.log(JSON.stringify({ passed, failed, ...(problem ? { error: problem } : {}), results: cases }, null, 2));
  } else {
    for (const c of cases.filter((x) => !x.passed)) {
      const e = c.expected;
      const expected = !e
        ? "success"
        : "error" in e
          ? `error ${e.error}`
          : `${e.decision}${e.reasons ? ` [${e.reasons.join(", ")}]` : ""}${e.link ? ` at ${e.link}` : ""}${e.policy ? ` by ${e.policy}` : ""}`;
      const a = c.actual;
      const actual = a
        ? `${a.decision} [${a.reasons.join(", ")}]${a.link ? ` at ${a.link}` : ""}${a.policies.length ? ` by ${a.policies.join(", ")}` : ""}${c.error ? ` (${c.error})` : ""}`
        : `error: ${c.error ?? "?"}`;
      out.log(`FAIL ${c.file} > ${c.name}\n  expected ${expected}\n  got      ${actual}`);
    }
    if (problem) out.log(`FAIL ${problem}`);
    if (files.length === 0 && !problem) out.error(`no test cases under ${options.testsDir}`);
    out.log(`${passed} passed, ${failed} failed`);
  }
  return { passed, failed };
}

const xml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/** JUnit XML, one testsuite per file, one testcase per checked step (what CI test reports read). */
export function junitXml(cases: readonly Case[], problem?: string): string {
  const byFile = new Map<string, Case[]>();
  for (const c of cases) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const failures = cases.filter((c) => !c.passed).length + (problem ? 1 : 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pea policy test" tests="${cases.length + (problem ? 1 : 0)}" failures="${failures}">`,
  ];
  for (const [file, fileCases] of byFile) {
    const failed = fileCases.filter((c) => !c.passed).length;
    lines.push(`  <testsuite name="${xml(file)}" tests="${fileCases.length}" failures="${failed}">`);
    for (const c of fileCases) {
      const open = `    <testcase classname="${xml(file)}" name="${xml(c.name)}"`;
      if (c.passed) {
        lines.push(`${open}/>`);
      } else {
        const why =
          c.error ?? `got ${c.actual ? `${c.actual.decision} [${c.actual.reasons.join(", ")}]` : "no answer"}`;
        lines.push(`${open}>`, `      <failure message="${xml(why)}"/>`, "    </testcase>");
      }
    }
    lines.push("  </testsuite>");
  }
  if (problem) {
    lines.push(
      '  <testsuite name="(policy tests)" tests="1" failures="1">',
      `    <testcase classname="(policy tests)" name="load"><failure message="${xml(problem)}"/></testcase>`,
      "  </testsuite>",
    );
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}
