// Fill a store's audit log with many realistic records, fast, through the real chain format:
//   npm run bench:audit-fill -w @pea/bench -- --count 100000 [--hours 168]   (DATABASE_URL or PEA_DATA_DIR)
// The decision records are what authorize() records for the demo bank's workload (asked once each
// of the real engine), copied with fresh decision ids, spread over runs and over the last `hours`
// (oldest first, ending now), with rare fail-closed denies and admin changes mixed in. Each batch
// is chained after the head under its row lock, exactly as the decision log appends, so
// `pea audit verify` passes afterwards. Used by the console's browser tests and the audit-query bench.
import { parseArgs } from "node:util";
import { type Database, openDatabase } from "@pea/migrations";
import {
  type AuditRecord,
  authorize,
  chainEntries,
  type DecisionLog,
  type DecisionRecord,
  decisionAuditRecord,
  prepareStore,
} from "@pea/policy-store";
import { callerFor, startDemoEngine } from "./setup.js";
import { demoWorkload } from "./workload.js";

export interface FillOptions {
  count: number;
  /** The records span this many hours before `end` (default 7 days). */
  hours?: number;
  end?: Date;
  /** Rows per insert statement. */
  batch?: number;
  onProgress?: (written: number) => void;
}

/** What the demo workload's decisions look like when recorded, one per request. */
async function recordedTemplates(database: Database): Promise<DecisionRecord[]> {
  const engine = await startDemoEngine(database);
  const templates: DecisionRecord[] = [];
  const capture = { record: async (r: DecisionRecord) => void templates.push(r) } as unknown as DecisionLog;
  try {
    for (const request of demoWorkload)
      await authorize(request as never, callerFor(request as never), { engine, log: capture });
  } finally {
    await engine.stop();
  }
  return templates;
}

// The fail-closed denies the console calls out, at the rates a bad day might show them.
const failClosed = [
  { code: "store_unavailable", message: "PEA's records could not be read", every: 997 },
  { code: "evaluation_error", message: "evaluation failed", every: 4_999 },
  { code: "audit_unavailable", message: "the decision could not be recorded", every: 9_973 },
];
const changeActions = ["run.start", "approval.grant", "membership.add", "revocation.create", "wall_crossing.grant"];

/** The i-th synthetic record: mostly copies of real decisions, with changes every 97th. */
function syntheticRecord(i: number, templates: DecisionRecord[]): AuditRecord {
  if (i % 97 === 0) {
    const action = changeActions[(i / 97) % changeActions.length] as string;
    return {
      type: "change",
      actor: i % 2 ? "User::carol" : "User::pat",
      action,
      target: action === "run.start" ? `Run::run_fill${i}` : `Thing::fill-${i}`,
      detail: { generated: true },
    };
  }
  const template = templates[i % templates.length] as DecisionRecord;
  const request = template.request as { principal?: { type: string }; run?: string } & Record<string, unknown>;
  // An agent's decisions belong to one of many runs (about 50 decisions each).
  const run = request.principal?.type === "Agent" ? `run_fill${Math.floor(i / 50) % 100_000}` : undefined;
  const fault = failClosed.find((f) => i % f.every === 0);
  const id = `dec_fill${i.toString(36)}`;
  return decisionAuditRecord({
    ...template,
    id,
    artifactId: template.artifactId ? id : undefined,
    runId: run ?? null,
    request: { ...request, ...(run ? { run } : {}) },
    ...(fault
      ? {
          decision: "deny",
          reasons: [{ code: fault.code, message: fault.message }],
          artifactId: undefined,
          determiningPolicies: [],
        }
      : {}),
  } as DecisionRecord);
}

/** Append `count` records to the audit log, chained after its head, oldest first and ending at `end`. */
export async function fillAuditLog(database: Database, options: FillOptions): Promise<{ first: number; last: number }> {
  const templates = await recordedTemplates(database);
  const batch = options.batch ?? 2_000;
  const end = (options.end ?? new Date()).getTime();
  const spanMs = (options.hours ?? 168) * 3_600_000;
  const step = spanMs / Math.max(1, options.count);
  let written = 0;
  let first = 0;
  let last = 0;
  while (written < options.count) {
    const n = Math.min(batch, options.count - written);
    await database.transaction(async (tx) => {
      const [row] = await tx.query<{ seq: unknown; hash: string }>(
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
      );
      if (!row) throw new Error("the audit chain head is missing");
      let head = { seq: Number(row.seq), hash: row.hash };
      const rows: unknown[] = [];
      for (let k = 0; k < n; k++) {
        const i = written + k;
        const [entry] = chainEntries(head, [syntheticRecord(i, templates)], new Date(end - spanMs + i * step));
        if (!entry) continue;
        head = { seq: entry.seq, hash: entry.hash };
        rows.push({
          seq: entry.seq,
          time: entry.time,
          prev_hash: entry.prevHash,
          hash: entry.hash,
          record: entry.record,
        });
        if (first === 0) first = entry.seq;
      }
      await tx.query(
        `INSERT INTO audit_log (seq, time, prev_hash, hash, record)
         SELECT r.seq, r.time, r.prev_hash, r.hash, r.record
         FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, time timestamptz, prev_hash text, hash text, record jsonb)`,
        [JSON.stringify(rows)],
      );
      await tx.query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", [head.seq, head.hash]);
      last = head.seq;
    });
    written += n;
    options.onProgress?.(written);
  }
  return { first, last };
}

async function main() {
  const { values } = parseArgs({
    options: { count: { type: "string", default: "100000" }, hours: { type: "string", default: "168" } },
  });
  const count = Number(values.count);
  const database = await openDatabase(
    process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: process.env.PEA_DATA_DIR ?? ".pea" },
  );
  try {
    await prepareStore(database, { seed: "demo" });
    const started = performance.now();
    const { first, last } = await fillAuditLog(database, {
      count,
      hours: Number(values.hours),
      onProgress: (n) => n % 100_000 === 0 && console.log(`${n} records`),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `audit log: seq ${first}..${last} written in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`,
    );
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"))) await main();
