// npm run bench:audit -w @pea/bench — what durable, hash-chained decision logging costs, and
// whether several PDP processes keep one complete, verifiable log.
//   1. in-process: authorize() with the audit log (group commit, answered after commit) vs. with
//      a log that does nothing; sequential latency and 32-in-flight throughput, and their ratio.
//   2. (Postgres only) two PDP processes (`node --import tsx apps/pdp/src/main.ts`, two ports, one
//      DATABASE_URL) under load: K decisions answered -> exactly K decision records, chain verifies.
// Store: PGlite in memory, or Postgres when DATABASE_URL is set (a fresh database is created).
// Runs with --no-turbo-inlining: on Node 20.20 V8 aborts ("Fatal error ... unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) when it lazily deoptimizes a hot decide() after a few
// hundred decisions, with or without the audit log. Reported; remove the flag once decide() is fixed.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Database } from "@pea/migrations";
import { type AuditEntry, type DecisionEngine, DecisionLog, verifyAuditLog } from "@pea/policy-store";
import autocannon from "autocannon";
import { decideWorkload, freshDatabase, freshDemoStore, startDemoEngine } from "./setup.js";
import { decisionLoad, fmt, measureCalls } from "./stats.js";
import { demoWorkload } from "./workload.js";

const LOAD = decisionLoad({ sequential: 3_000, concurrent: 10_000 });
const PER_PROCESS = Number(process.env.BENCH_TWO_PDP_REQUESTS ?? 10_000);
const adminUrl = process.env.DATABASE_URL;
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

type Log = Pick<DecisionLog, "record">;
const noLog: Log = { record: async () => ({}) as AuditEntry };

function measure(engine: DecisionEngine, log: Log) {
  const deps = { engine, log: log as DecisionLog };
  return measureCalls(decideWorkload(deps), LOAD);
}

async function inProcess() {
  const store = await freshDemoStore(adminUrl, "pea_bench_audit");
  try {
    const engine = await startDemoEngine(store.database);
    const log = new DecisionLog(store.database);
    const batches: number[] = [];
    log.onAppend((_, n) => batches.push(n));
    const without = await measure(engine, noLog);
    const durable = await measure(engine, log);
    const verified = await verifyAuditLog(store.database);
    await engine.stop();
    return { without, durable, verified, meanBatch: batches.reduce((a, b) => a + b, 0) / batches.length };
  } finally {
    await store.drop();
  }
}

function startPdpProcess(url: string, port: number, key: string): { child: ChildProcess; ready: Promise<void> } {
  // Same V8 flags as this process (see the note at the top: --no-turbo-inlining).
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv.filter((a) => a.startsWith("--no-")),
      "--conditions=pea-source",
      "--import",
      "tsx",
      "apps/pdp/src/main.ts",
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PEA_PDP_PORT: String(port),
        PEA_BOOTSTRAP_API_KEY: key,
        PEA_LOG_LEVEL: "warn",
        PEA_AUDIT_CHECKPOINT_EVERY: "5000",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("PEA decision service on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`PDP on port ${port} exited (${code}): ${out}`)));
  });
  return { child, ready };
}

async function twoProcesses() {
  const store = await freshDatabase(adminUrl, "pea_bench_audit");
  const url = store.url as string;
  const key = "pea_benchaudit01.benchmarkbenchmarkbenchmark0001";
  const ports = [18711, 18712];
  const children: ChildProcess[] = [];
  try {
    // The first prepares the store (migrations, seed, key); the second joins it.
    const first = startPdpProcess(url, ports[0] as number, key);
    children.push(first.child);
    await first.ready;
    const second = startPdpProcess(url, ports[1] as number, key);
    children.push(second.child);
    await second.ready;
    const before = await countDecisions(store.database);
    const started = performance.now();
    const results = await Promise.all(
      ports.map((port) =>
        autocannon({
          url: `http://127.0.0.1:${port}/v1/authorize`,
          connections: 25,
          amount: PER_PROCESS,
          requests: demoWorkload.map((body) => ({
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          })),
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const answered = results.reduce((n, r) => n + r["2xx"], 0);
    const failed = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const recorded = (await countDecisions(store.database)) - before;
    const verified = await verifyAuditLog(store.database);
    return { answered, failed, recorded, seconds, verified };
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    await store.drop();
  }
}

async function countDecisions(database: Database): Promise<number> {
  const [row] = await database.query<{ n: unknown }>("SELECT count(*) AS n FROM audit_log WHERE kind = 'decision'");
  return Number(row?.n);
}

const storeName = adminUrl ? "Postgres" : "PGlite";
console.log(`PEA audit log benchmark — demo workload, ${storeName}`);
const local = await inProcess();
for (const [name, r] of [
  ["without log", local.without],
  ["durable log", local.durable],
] as const) {
  console.log(
    `in-process ${name}: sequential p50 ${fmt(r.p50)} µs, p99 ${fmt(r.p99)} µs, ${fmt(r.sequentialRate)} decisions/s; ` +
      `${LOAD.inFlight} in flight ${fmt(r.concurrentRate)} decisions/s`,
  );
}
console.log(
  `durable/without ratio: sequential ${(local.durable.sequentialRate / local.without.sequentialRate).toFixed(2)}, ` +
    `${LOAD.inFlight} in flight ${(local.durable.concurrentRate / local.without.concurrentRate).toFixed(2)}; ` +
    `mean group-commit batch ${local.meanBatch.toFixed(1)} records; chain verifies: ${local.verified.ok} (${local.verified.checked} records)`,
);
if (adminUrl) {
  const two = await twoProcesses();
  console.log(
    `two PDP processes: ${fmt(two.answered)} decisions answered (${two.failed} failed) in ${two.seconds.toFixed(1)} s ` +
      `= ${fmt(two.answered / two.seconds)} decisions/s; ${fmt(two.recorded)} decision records; ` +
      `${two.answered === two.recorded ? "K answered = K recorded" : "MISMATCH"}; chain verifies: ${two.verified.ok} ` +
      `(${two.verified.checked} records${two.verified.problem ? `, ${two.verified.problem.message}` : ""})`,
  );
  if (two.answered !== two.recorded || !two.verified.ok) process.exitCode = 1;
} else {
  console.log("two PDP processes: skipped (set DATABASE_URL to run it on Postgres)");
}
if (!local.verified.ok) process.exitCode = 1;
