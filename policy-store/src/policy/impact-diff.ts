// The policy impact report: replay recorded decisions against candidate policies and show which
// would flip (allow -> deny, deny -> allow), grouped by the rule responsible, with examples.
import type { Database } from "@pea/migrations";
import { type RecordedDecision, readRecentDecisions } from "../audit/recent-decisions.js";
import type { SchemaInfo } from "../cedar/schema.js";
import { type Decision, type DecisionRequest, linkName } from "../decision/decision.js";
import { evaluate, reEvaluate } from "../decision/pipeline.js";
import { DecisionEngine } from "../engine/engine.js";
import { flipRule } from "./shadow.js";
import type { LoadedPolicySet } from "./types.js";

export interface FlipExample {
  decisionId: string;
  at: string;
  summary: string;
}

export interface FlipGroup {
  direction: "allow->deny" | "deny->allow";
  rule: string;
  count: number;
  examples: FlipExample[];
}

export interface ImpactReport {
  replayed: number;
  /** Recorded requests that could not be replayed (unreadable records). */
  skipped: number;
  /** What the candidate was compared with: a replay of another set, or the recorded answers. */
  baseline: string;
  candidate: string;
  flips: number;
  groups: FlipGroup[];
}

export interface ReplayOptions {
  last: number;
  schema: SchemaInfo;
  candidate: LoadedPolicySet;
  /** Replay against this set too and compare; without it, compare with the recorded decisions. */
  base?: { set: LoadedPolicySet; label: string } | undefined;
  firmDomains: readonly string[];
  /** A valid policy directory for the engine that looks up PEA's own records (runs, history). */
  policyDir: string;
  examplesPerGroup?: number;
}

function toDecisionRequest(raw: Record<string, unknown>): DecisionRequest | undefined {
  const { principal, chain, intent, run, action, resource, context } = raw as Partial<DecisionRequest>;
  if (!principal || typeof action !== "string" || !resource) return undefined;
  return {
    principal,
    chain: Array.isArray(chain) ? chain : [],
    intent,
    run,
    action,
    resource,
    context: context && typeof context === "object" ? context : {},
  };
}

function describe(request: DecisionRequest): string {
  const chain = [...request.chain, request.principal].map(linkName).join(" > ");
  return `${chain} ${request.action} ${linkName(request.resource)}${request.intent ? ` (intent ${request.intent})` : ""}`;
}

/** Replay the last N recorded decisions with the entitlements as they are now. */
export async function replayDecisions(database: Database, options: ReplayOptions): Promise<ImpactReport> {
  const records = await readRecentDecisions(database, options.last);
  const perGroup = options.examplesPerGroup ?? 3;
  const groups = new Map<string, FlipGroup>();
  let replayed = 0;
  let skipped = 0;
  // PEA's own records (runs, history) are looked up as at each original decision's time.
  let clock = new Date();
  const engine = await DecisionEngine.start({
    database,
    schemaText: options.schema.text,
    policyDir: options.policyDir,
    firmDomains: options.firmDomains,
    now: () => clock,
  });
  try {
    for (const record of records) {
      const request = toDecisionRequest(record.request);
      if (!request) {
        skipped++;
        continue;
      }
      clock = new Date(record.createdAt);
      // The live pipeline's evaluation (facts, decide, revocations as they stand), with the candidate.
      const evaluation = await evaluate(engine, request, { policies: options.candidate });
      const after = evaluation.outcome;
      const before: Decision = options.base
        ? reEvaluate(evaluation, options.base.set, engine.trust)
        : recordedOutcome(record);
      replayed++;
      if (before.decision === after.decision) continue;
      const direction = `${before.decision}->${after.decision}` as FlipGroup["direction"];
      const rule = flipRule(before, after);
      const key = `${direction}\0${rule}`;
      const group = groups.get(key) ?? { direction, rule, count: 0, examples: [] };
      group.count++;
      if (group.examples.length < perGroup) {
        group.examples.push({ decisionId: record.id, at: record.createdAt, summary: describe(request) });
      }
      groups.set(key, group);
    }
  } finally {
    await engine.stop();
  }

  const sorted = [...groups.values()].sort(
    (a, b) => a.direction.localeCompare(b.direction) || b.count - a.count || a.rule.localeCompare(b.rule),
  );
  return {
    replayed,
    skipped,
    baseline: options.base?.label ?? "the recorded decisions",
    candidate: options.candidate.version,
    flips: sorted.reduce((n, g) => n + g.count, 0),
    groups: sorted,
  };
}

function recordedOutcome(record: RecordedDecision): Decision {
  return {
    decision: record.decision,
    reasons: record.reasons.map((r) => ({
      code: r.code as Decision["reasons"][number]["code"],
      message: "",
      ...(r.policy !== undefined ? { policy: r.policy } : {}),
    })),
    obligations: [],
    determiningPolicies: [],
  };
}

/** The report as a reviewer reads it on a pull request. */
export function formatImpactReport(report: ImpactReport): string[] {
  const lines = [
    `replayed ${report.replayed} recorded decisions with candidate ${report.candidate}, compared with ${report.baseline}` +
      (report.skipped > 0 ? ` (${report.skipped} unreadable, skipped)` : ""),
  ];
  for (const direction of ["allow->deny", "deny->allow"] as const) {
    const groups = report.groups.filter((g) => g.direction === direction);
    const total = groups.reduce((n, g) => n + g.count, 0);
    lines.push(`${direction.replace("->", " -> ")}: ${total}`);
    for (const group of groups) {
      lines.push(`  ${group.rule}: ${group.count}`);
      for (const e of group.examples) lines.push(`    ${e.decisionId}  ${e.summary}`);
    }
  }
  lines.push(`${report.flips} decision(s) would flip`);
  return lines;
}
