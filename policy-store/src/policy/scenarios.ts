/**
 * Scenario files: policy packs proven by cases, kept as data beside the policies
 * (policy-store/tests/<domain>/*.json) and run through PEA's real decision path (store, history,
 * runs, wall crossings, separation of duties, the decision log) on a fresh store per file.
 *
 * Format (one JSON object per file):
 *
 *   {
 *     "name": "what this file proves",
 *     "seed": "bank" | "demo" | "healthcare" | "government",   // seeds/index.ts
 *     "firmDomains": ["elsewhere.example"],     // optional; default ["meridian.example"]
 *     "historyWindowSeconds": 86400,            // optional look-back window; default 86400
 *     "start": "2026-01-05T09:00:00Z",          // optional; the scenario clock's start
 *     "cases": [ CASE, ... ],                   // optional: authorize steps only (the shape
 *                                               //   `pea policy test` reads)
 *     "steps": [ STEP, ... ]                    // optional: run in order, after "cases"
 *   }
 *
 *   CASE = { "name", "request": <an /v1/authorize body>, "expect": EXPECT }
 *   EXPECT = { "decision": "allow"|"deny",
 *              "reasons"?: ["barrier", ...],     // each code must be among the answer's reasons
 *              "link"?: "User::bob",             // the first reason's link
 *              "policy"?: "bank.segment-wall",   // a deny's reason policy, or a permit behind an allow
 *              "obligations"?: ["review"] }      // obligation types the answer must carry
 *
 *   STEP is one of (each may have "name"; "save": "x" keeps the id it produced as "$x"):
 *     { "authorize": <request>, "expect": EXPECT }            a decision (saves its decisionId)
 *     { "startRun": { principal, chain, intent, purpose?, ttlSeconds? } }   saves the run id
 *     { "outcome": "$decision", "status": "executed"|"failed"|"aborted" }
 *     { "advance": 3600 }                                     move the clock (seconds)
 *     { "crossWall": { "by", "user", "issuer", "reason", "ttlSeconds" }, "expectError"?: code }
 *     { "revokeCrossing": "$crossing", "by": "carol" }
 *     { "assign": { "member": "User::x", "parent": "Group::y" }, "expectError"?: "sod" }
 *   Any string "$x" inside a step is replaced by the saved id. Authorize steps and cases count as
 *   the file's cases.
 *
 * API: runScenarioFile(path, options) → ScenarioFileResult; runScenarioDir(dir, options).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, migrate, openDatabase } from "@pea/migrations";
import { type AuthorizeRequest, AuthorizeRequest as AuthorizeRequestSchema, readCedarSchema } from "@pea/schemas";
import { DecisionLog, type DecisionRecord } from "../audit/decision-log.js";
import { authorize } from "../decision/authorize.js";
import { inProcess } from "../decision/pipeline.js";
import { DecisionEngine } from "../engine/engine.js";
import { entitlementVersion } from "../engine/snapshot.js";
import { reportOutcome } from "../governance/history.js";
import { assignMembership, SodConflictError } from "../governance/sod.js";
import { grantWallCrossing, revokeWallCrossing, WallCrossingError } from "../governance/wall-crossings.js";
import { applySeed } from "../setup/seed.js";
import { seeds } from "../setup/seeds/index.js";
import { startRun } from "../trust/runs.js";

export interface Expectation {
  decision: "allow" | "deny";
  reasons?: string[];
  link?: string;
  policy?: string;
  obligations?: string[];
}

export interface ScenarioFile {
  name?: string;
  seed?: string;
  firmDomains?: string[];
  historyWindowSeconds?: number;
  start?: string;
  cases?: Array<{ name?: string; request: unknown; expect: Expectation }>;
  steps?: Array<Record<string, unknown>>;
}

export interface StepResult {
  index: number;
  name: string;
  kind: string;
  passed: boolean;
  /** For decisions: what came back. */
  actual?: {
    decision: string;
    reasons: string[];
    link?: string | undefined;
    policies: string[];
    obligations: string[];
  };
  expected?: Expectation | { error: string };
  error?: string;
}

export interface ScenarioFileResult {
  file: string;
  name: string;
  /** Decisions checked (cases and authorize steps). */
  cases: number;
  passed: boolean;
  steps: StepResult[];
}

export interface ScenarioOptions {
  /** Store per file; default: a fresh in-memory PGlite. Must be empty; it is migrated and seeded. */
  openStore?: () => Promise<{ database: Database; close(): Promise<void> }>;
  policyDir?: string;
  schemaText?: string;
}

const defaultStore = async () => {
  const database = await openDatabase({ dataDir: "memory://" });
  return { database, close: () => database.close() };
};

/** Run every *.json below `dir` (sorted). */
export async function runScenarioDir(dir: string, options: ScenarioOptions = {}): Promise<ScenarioFileResult[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const out: ScenarioFileResult[] = [];
  for (const file of files) out.push(await runScenarioFile(file, options));
  return out;
}

/** Run one scenario file on a fresh store; never throws for a failing case (see `passed`). */
export async function runScenarioFile(path: string, options: ScenarioOptions = {}): Promise<ScenarioFileResult> {
  const scenario = JSON.parse(await readFile(path, "utf8")) as ScenarioFile;
  const seed = seeds[scenario.seed ?? "demo"];
  if (!seed) throw new Error(`${path}: unknown seed ${scenario.seed} (known: ${Object.keys(seeds).join(", ")})`);
  const store = await (options.openStore ?? defaultStore)();
  let clock = new Date(scenario.start ?? "2026-01-05T09:00:00Z");
  try {
    await migrate(store.database);
    await applySeed(store.database, seed, "scenario");
  } catch (error) {
    await store.close();
    throw error;
  }
  const engine = await DecisionEngine.start({
    database: store.database,
    schemaText: options.schemaText ?? readCedarSchema(),
    policyDir: options.policyDir ?? fileURLToPath(new URL("../../policies", import.meta.url)),
    firmDomains: scenario.firmDomains ?? ["meridian.example"],
    historyWindowSeconds: scenario.historyWindowSeconds ?? 86_400,
    now: () => clock,
    retryMs: 50,
  }).catch(async (error) => {
    await store.close();
    throw error;
  });
  const results: StepResult[] = [];
  try {
    await syncEngine(engine);
    const log = new CapturingLog(store.database);
    const saved = new Map<string, string>();
    const steps: Array<Record<string, unknown>> = [
      ...(scenario.cases ?? []).map((c) => ({ name: c.name, authorize: c.request, expect: c.expect })),
      ...(scenario.steps ?? []),
    ];
    for (const [index, raw] of steps.entries()) {
      const name = typeof raw.name === "string" ? raw.name : `step ${index + 1}`;
      const result: StepResult = { index, name, kind: stepKind(raw), passed: false };
      try {
        const step = substitute(raw, saved) as Record<string, unknown>;
        await runStep(step, result, {
          engine,
          log,
          saved,
          advance: (s) => {
            clock = new Date(clock.getTime() + s * 1000);
          },
        });
      } catch (error) {
        result.passed = false;
        result.error = (error as Error).message;
      }
      results.push(result);
    }
  } finally {
    await engine.stop();
    await store.close();
  }
  return {
    file: path,
    name: scenario.name ?? path,
    cases: results.filter((r) => r.kind === "authorize").length,
    passed: results.every((r) => r.passed),
    steps: results,
  };
}

const KINDS = ["authorize", "startRun", "outcome", "advance", "crossWall", "revokeCrossing", "assign"] as const;
function stepKind(step: Record<string, unknown>): string {
  return KINDS.find((k) => k in step) ?? "unknown";
}

function substitute(value: unknown, saved: Map<string, string>): unknown {
  if (typeof value === "string" && value.startsWith("$")) {
    const found = saved.get(value.slice(1));
    if (found === undefined) throw new Error(`${value} was not saved by an earlier step`);
    return found;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]));
  }
  return value;
}

/** Keeps what authorize() recorded, so an allow's determining permits can be checked. */
class CapturingLog extends DecisionLog {
  readonly records = new Map<string, DecisionRecord>();
  override record(record: DecisionRecord) {
    this.records.set(record.id, record);
    return super.record(record);
  }
}

interface StepDeps {
  engine: DecisionEngine;
  log: CapturingLog;
  saved: Map<string, string>;
  advance(seconds: number): void;
}

async function runStep(step: Record<string, unknown>, result: StepResult, deps: StepDeps): Promise<void> {
  const { engine, saved } = deps;
  const save = (id: string) => {
    if (typeof step.save === "string") saved.set(step.save, id);
  };
  const expectError = typeof step.expectError === "string" ? step.expectError : undefined;
  const now = engine.now();
  const crossingDeps = () => {
    const inputs = engine.inputs();
    if ("decision" in inputs) throw new Error("the engine is not ready");
    return { database: engine.database, snapshot: inputs.snapshot, now: engine.now(), trust: engine.trust };
  };
  const expectingError = async (work: () => Promise<unknown>, known: (e: unknown) => string | undefined) => {
    result.expected = expectError ? { error: expectError } : undefined;
    try {
      const value = await work();
      result.passed = expectError === undefined;
      if (expectError) result.error = `expected error ${expectError}, but it succeeded`;
      return value;
    } catch (error) {
      const code = known(error);
      if (code === undefined) throw error;
      result.passed = code === expectError;
      if (!result.passed) result.error = `${code}: ${(error as Error).message}`;
      return undefined;
    }
  };

  switch (result.kind) {
    case "authorize": {
      const request = AuthorizeRequestSchema.parse(step.authorize) as AuthorizeRequest;
      const expect = step.expect as Expectation | undefined;
      if (!expect) throw new Error("an authorize step needs expect");
      const answer = await authorize(request, inProcess, { engine, log: deps.log });
      save(answer.decisionId);
      const record = deps.log.records.get(answer.decisionId);
      deps.log.records.delete(answer.decisionId);
      const actual = {
        decision: answer.decision,
        reasons: answer.reasons.map((r): string => r.code),
        link: answer.reasons[0]?.link,
        policies:
          answer.decision === "allow"
            ? (record?.determiningPolicies ?? [])
            : answer.reasons.flatMap((r) => (r.policy ? [r.policy] : [])),
        obligations: answer.obligations.map((o) => o.type),
      };
      result.actual = actual;
      result.expected = expect;
      const problems: string[] = [];
      if (actual.decision !== expect.decision) problems.push(`decision ${actual.decision}`);
      for (const code of expect.reasons ?? []) if (!actual.reasons.includes(code)) problems.push(`no reason ${code}`);
      if (expect.link !== undefined && actual.link !== expect.link) problems.push(`link ${actual.link}`);
      if (expect.policy !== undefined && !actual.policies.includes(expect.policy)) {
        problems.push(`policies ${actual.policies.join(", ") || "(none)"}`);
      }
      for (const type of expect.obligations ?? []) {
        if (!actual.obligations.includes(type)) problems.push(`no obligation ${type}`);
      }
      result.passed = problems.length === 0;
      if (!result.passed) {
        result.error = `${problems.join("; ")} (reasons: ${answer.reasons.map((r) => `${r.code} ${r.policy ?? ""} ${r.link ?? ""} ${r.message}`).join(" | ")})`;
      }
      return;
    }
    case "startRun": {
      const input = step.startRun as Parameters<typeof startRun>[1];
      // A scenario plays its own humans: the run is started by the chain's human.
      const startedBy = input.chain.find((link) => link.type === "User")?.id ?? null;
      const run = await startRun(engine.database, input, {
        createdBy: "scenario",
        startedBy,
        now,
      });
      save(run.id);
      result.passed = true;
      return;
    }
    case "outcome": {
      await reportOutcome(
        engine.database,
        deps.log,
        { decisionId: String(step.outcome), status: step.status as "executed" | "failed" | "aborted" },
        { apiKeyId: "scenario", now, isAdmin: true },
      );
      result.passed = true;
      return;
    }
    case "advance": {
      deps.advance(Number(step.advance));
      result.passed = true;
      return;
    }
    case "crossWall": {
      const input = step.crossWall as { by: string; user: string; issuer: string; reason: string; ttlSeconds: number };
      const crossing = await expectingError(
        () => grantWallCrossing(crossingDeps(), input, input.by),
        (e) => (e instanceof WallCrossingError ? e.code : undefined),
      );
      if (crossing) save((crossing as { id: string }).id);
      return;
    }
    case "revokeCrossing": {
      await expectingError(
        () => revokeWallCrossing(crossingDeps(), String(step.revokeCrossing), String(step.by)),
        (e) => (e instanceof WallCrossingError ? e.code : undefined),
      );
      return;
    }
    case "assign": {
      const { member, parent } = step.assign as { member: string; parent: string };
      const ref = (text: string) => {
        const at = text.indexOf("::");
        return { type: text.slice(0, at), id: text.slice(at + 2) };
      };
      await expectingError(
        () => assignMembership(engine.database, { member: ref(member), parent: ref(parent), grantedBy: "scenario" }),
        (e) => (e instanceof SodConflictError ? "sod" : undefined),
      );
      await syncEngine(engine);
      return;
    }
    default:
      throw new Error(`unknown step (one of ${KINDS.join(", ")})`);
  }
}

/** Wait until the engine's snapshot has caught up with the store's entitlement version. */
async function syncEngine(engine: DecisionEngine): Promise<void> {
  const target = await entitlementVersion(engine.database);
  const started = Date.now();
  while (engine.entitlementVersion < target || !engine.status().ready) {
    if (Date.now() - started > 5_000) throw new Error("the engine did not load the seeded entitlements");
    await new Promise((r) => setTimeout(r, 10));
  }
}
