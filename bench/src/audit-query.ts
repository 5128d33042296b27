// npm run bench:audit-query -w @pea/bench [-- --records 1000000] [--explain] [--keep]
// How fast the audit log is read at scale: a fresh store filled with N records (audit-fill.ts,
// default 100k), then each query the console and `GET /v1/audit` make (newest page, time range,
// filters, a rare fail-closed reason, cursor pages both ways, the overview's per-hour counts),
// timed one after another: p50 and p95 in ms (target p95 <= 300 ms at 100k and 1M records).
// Store: PGlite in memory, or a new database on the Postgres server of DATABASE_URL (dropped
// afterwards unless --keep). BENCH_AUDIT_URL measures an already filled database instead.
// --explain prints Postgres's plan of each query once (EXPLAIN ANALYZE).
import { parseArgs } from "node:util";
import { createLogger } from "@pea/http-kit";
import { type Database, openDatabase, rowsOf } from "@pea/migrations";
import { createPdpApp } from "@pea/pdp";
import {
  type AuditQuery,
  auditFilters,
  createApiKey,
  DecisionLog,
  decisionsPerHour,
  prepareStore,
  queryAudit,
} from "@pea/policy-store";
import { sql } from "drizzle-orm";
import { fillAuditLog } from "./audit-fill.js";
import { freshDatabase, startDemoEngine } from "./setup.js";
import { fmt, percentile } from "./stats.js";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    iterations: { type: "string", default: "40" },
    explain: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const RECORDS = Number(values.records);
const ITERATIONS = Number(values.iterations);

async function time(label: string, call: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number }> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { label, p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

async function explain(database: Database, label: string, query: AuditQuery): Promise<void> {
  const plan = await rowsOf<{ "QUERY PLAN": string }>(
    database,
    sql`EXPLAIN (ANALYZE, COSTS OFF) SELECT seq FROM audit_log WHERE ${auditFilters(query) ?? sql`true`}
      ORDER BY time DESC, seq DESC LIMIT 101`,
  );
  const lines = plan
    .map((r) => r["QUERY PLAN"])
    .filter((l) => !/rows=0 loops|Filter: .*\n?$/.test(l) || /Index/.test(l));
  console.log(`\n-- ${label}\n${lines.slice(0, 12).join("\n")}`);
}

async function main() {
  const reuse = process.env.BENCH_AUDIT_URL;
  const store = reuse
    ? { database: await openDatabase({ url: reuse }), drop: async () => {} }
    : await freshDatabase(process.env.DATABASE_URL, "pea_bench_auditq");
  const database = store.database;
  try {
    await prepareStore(database, { seed: "demo" });
    const [{ n } = { n: 0 }] = await database.query<{ n: string | number }>("SELECT count(*) AS n FROM audit_log");
    if (Number(n) < RECORDS) {
      const started = performance.now();
      await fillAuditLog(database, {
        count: RECORDS - Number(n),
        onProgress: (w) => w % 100_000 === 0 && console.log(`  ${fmt(w)} records written`),
      });
      console.log(`filled ${fmt(RECORDS)} records in ${fmt((performance.now() - started) / 1000, 1)} s`);
      if (!(database.kind === "pglite")) await database.query("VACUUM ANALYZE audit_log");
    }
    const [head] = await database.query<{ seq: string | number }>("SELECT seq FROM audit_head");
    const last = Number(head?.seq ?? 0);
    const mid = Math.floor(last / 2);
    const now = new Date();
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

    const queries: Array<[string, AuditQuery]> = [
      ["newest page", {}],
      ["decision=deny", { decision: "deny" }],
      ["reason=barrier", { reason: "barrier" }],
      ["reason=store_unavailable (rare)", { reason: "store_unavailable" }],
      ["principal=Agent::web-fetcher", { principal: "Agent::web-fetcher" }],
      ["run=run_fill42", { run: "run_fill42" }],
      ["kind=change", { kind: "change" }],
      ["since 1h", { since: hoursAgo(1) }],
      ["4 to 3 days ago", { since: hoursAgo(96), until: hoursAgo(72) }],
      [
        "deny, 4 to 3 days ago, principal",
        { decision: "deny", principal: "Agent::research-assistant", since: hoursAgo(96), until: hoursAgo(72) },
      ],
      ["page before the middle", { before: mid }],
      ["page after the middle", { after: mid }],
      ["oldest first", { order: "oldest" }],
    ];
    const results = [];
    for (const [label, query] of queries) results.push(await time(label, () => queryAudit(database, query)));
    results.push(await time("overview: decisions per hour, 24 h", () => decisionsPerHour(database, { now })));

    // The HTTP API as a caller sees it: routing, validation, the query, JSON.
    const engine = await startDemoEngine(database);
    const { key } = await createApiKey(database, { name: "bench-audit", kind: "admin", scopes: ["audit"] });
    await engine.keys.reload();
    const app = createPdpApp({
      engine,
      log: new DecisionLog(database),
      logger: createLogger("silent", "bench"),
      maxBodyBytes: 65536,
    });
    const get = (path: string) => async () => {
      const res = await app.request(path, { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.json();
    };
    results.push(await time("GET /v1/audit", get("/v1/audit")));
    results.push(await time("GET /v1/audit?since=24h&decision=deny", get("/v1/audit?since=24h&decision=deny")));
    results.push(await time("GET /v1/audit?reason=evaluation_error", get("/v1/audit?reason=evaluation_error")));
    results.push(await time(`GET /v1/audit?before=${mid}`, get(`/v1/audit?before=${mid}`)));
    await engine.stop();

    const store_ = database.kind === "pglite" ? "PGlite" : "Postgres";
    console.log(`\naudit log reads, ${store_}, ${fmt(last)} records, ${ITERATIONS} runs each (ms)`);
    console.log(`${"query".padEnd(48)} ${"p50".padStart(8)} ${"p95".padStart(8)}`);
    for (const r of results)
      console.log(`${r.label.padEnd(48)} ${fmt(r.p50, 1).padStart(8)} ${fmt(r.p95, 1).padStart(8)}`);
    const worst = Math.max(...results.map((r) => r.p95));
    console.log(`worst p95 ${fmt(worst, 1)} ms (target <= 300 ms): ${worst <= 300 ? "met" : "MISSED"}`);
    if (values.explain && !(database.kind === "pglite"))
      for (const [label, query] of queries) await explain(database, label, query);
  } finally {
    if (values.keep) console.log("kept the database");
    else await store.drop();
  }
}

await main();
