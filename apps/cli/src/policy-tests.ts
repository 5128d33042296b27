// `pea policy test`: run the policy test cases kept beside the policies (policy-store/tests/<domain>/*.json,
// the scenario format of policy-store/src/scenarios.ts) through PEA's real decision path, and report them.
import { relative, sep } from "node:path";
import { runScenarioDir, type ScenarioFileResult } from "@pea/policy-store";

type Out = { log: (line: string) => void; error: (line: string) => void };

export async function runPolicyTests(options: {
  policyDir: string;
  testsDir: string;
  json: boolean;
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
  const cases = files.flatMap((f) =>
    f.steps.filter((s) => s.kind === "authorize" || s.expected || !s.passed).map((s) => ({ file: name(f.file), ...s })),
  );
  const passed = cases.filter((c) => c.passed).length;
  const failed = cases.length - passed + (problem ? 1 : 0);
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
