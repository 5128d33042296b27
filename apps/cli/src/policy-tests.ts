// `pea policy test`: run the policy test cases kept beside the policies and report them.
// Case files: <testsDir>/<domain>/*.json, each { "name"?, "seed"?: "demo", "cases": [ { "name",
// "request": <an /v1/authorize request>, "expect": { "decision", "reasons"?: [codes], "link"?, "policy"? } } ] }.
// The fixture is the named seed, loaded into an in-memory store.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { migrate, openDatabase } from "@pea/migrations";
import {
  applySeed,
  bankSeed,
  type Decision,
  type DecisionRequest,
  decide,
  type EntitlementSeed,
  type LoadedPolicySet,
  loadSnapshot,
  type SchemaInfo,
  type Snapshot,
} from "@pea/policy-store";

type Out = { log: (line: string) => void; error: (line: string) => void };

interface TestCase {
  name: string;
  request: DecisionRequest & { evidence?: unknown };
  expect: { decision: "allow" | "deny"; reasons?: string[]; link?: string; policy?: string };
}

interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  expected: TestCase["expect"];
  actual?: { decision: string; reasons: string[]; link?: string | undefined; policies: string[] };
  error?: string;
}

const seeds: Record<string, EntitlementSeed> = { demo: bankSeed };

async function caseFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function snapshotOf(seedName: string, cache: Map<string, Snapshot>): Promise<Snapshot> {
  const cached = cache.get(seedName);
  if (cached) return cached;
  const seed = seeds[seedName];
  if (!seed) throw new Error(`unknown seed ${seedName} (known: ${Object.keys(seeds).join(", ")})`);
  const database = await openDatabase({ dataDir: "memory://" });
  try {
    await migrate(database);
    await applySeed(database, seed, "policy-test");
    const snapshot = await loadSnapshot(database);
    cache.set(seedName, snapshot);
    return snapshot;
  } finally {
    await database.close();
  }
}

function check(expected: TestCase["expect"], outcome: Decision): boolean {
  if (outcome.decision !== expected.decision) return false;
  const codes = outcome.reasons.map((r) => r.code as string);
  if (expected.reasons && !expected.reasons.every((c) => codes.includes(c))) return false;
  if (expected.link && !outcome.reasons.some((r) => r.link === expected.link)) return false;
  if (expected.policy) {
    const named = [...outcome.determiningPolicies, ...outcome.reasons.map((r) => r.policy)];
    if (!named.includes(expected.policy)) return false;
  }
  return true;
}

export async function runPolicyTests(options: {
  policies: LoadedPolicySet;
  schema: SchemaInfo;
  testsDir: string;
  json: boolean;
  out: Out;
  firmDomains?: readonly string[];
}): Promise<{ passed: number; failed: number }> {
  const { out } = options;
  const files = await caseFiles(options.testsDir);
  const snapshots = new Map<string, Snapshot>();
  const results: CaseResult[] = [];
  for (const path of files) {
    const file = relative(options.testsDir, path).split(sep).join("/");
    let suite: { seed?: string; cases?: TestCase[] };
    try {
      suite = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      results.push({
        file,
        name: "(file)",
        passed: false,
        expected: { decision: "deny" },
        error: (error as Error).message,
      });
      continue;
    }
    const snapshot = await snapshotOf(suite.seed ?? "demo", snapshots);
    for (const testCase of suite.cases ?? []) {
      const { evidence: _evidence, ...request } = testCase.request;
      const outcome = decide(
        { ...request, chain: request.chain ?? [], context: request.context ?? {} },
        {
          schema: options.schema,
          policies: options.policies,
          snapshot,
          firmDomains: options.firmDomains ?? ["meridian.example"],
          facts: { now: new Date() },
        },
      );
      results.push({
        file,
        name: testCase.name,
        passed: check(testCase.expect, outcome),
        expected: testCase.expect,
        actual: {
          decision: outcome.decision,
          reasons: outcome.reasons.map((r) => r.code),
          link: outcome.reasons[0]?.link,
          policies: [...outcome.determiningPolicies],
        },
      });
    }
  }
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  if (options.json) {
    out.log(JSON.stringify({ passed, failed, results }, null, 2));
  } else {
    for (const r of results.filter((x) => !x.passed)) {
      const expected = `${r.expected.decision}${r.expected.reasons ? ` [${r.expected.reasons.join(", ")}]` : ""}${r.expected.link ? ` at ${r.expected.link}` : ""}${r.expected.policy ? ` by ${r.expected.policy}` : ""}`;
      const actual = r.error
        ? `error: ${r.error}`
        : `${r.actual?.decision} [${r.actual?.reasons.join(", ")}]${r.actual?.link ? ` at ${r.actual.link}` : ""}${r.actual?.policies.length ? ` by ${r.actual.policies.join(", ")}` : ""}`;
      out.log(`FAIL ${r.file} > ${r.name}\n  expected ${expected}\n  got      ${actual}`);
    }
    if (files.length === 0) out.error(`no test cases under ${options.testsDir}`);
    out.log(`${passed} passed, ${failed} failed`);
  }
  return { passed, failed };
}
