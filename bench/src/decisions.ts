// npm run bench — decision throughput and latency for the demo workload, decision logging on.
//   in-process: authorize() called directly (sequential, for latency; 32 in flight, for throughput),
//               with the single-link decision cache (the default) and without it (every link
//               evaluated by Cedar: the cost of a request never seen before)
//   HTTP:       the real PDP in its own process (as deployed) on a loopback port, driven from this
//               process by autocannon at c=10 and c=50
// Store: PGlite (in memory in-process; in a temporary directory for the PDP), or Postgres when
// DATABASE_URL is set (its public schema is reset).
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "@pea/migrations";
import { authorize, DecisionLog, prepareStore } from "@pea/policy-store";
import autocannon from "autocannon";
import { startDemoEngine } from "./setup.js";
import { fmt, measureCalls } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SEQUENTIAL = 2_000;
const CONCURRENT = 4_000;
const IN_FLIGHT = 32;
const HTTP_SECONDS = 10;
const databaseUrl = process.env.DATABASE_URL;

async function inProcess(linkCacheSize?: number) {
  const database = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: "memory://" });
  if (databaseUrl) await database.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await prepareStore(database, { seed: "demo" });
  const engine = await startDemoEngine(database, { linkCacheSize });
  const deps = { engine, log: new DecisionLog(database) };
  const caller = { apiKeyId: "bench" };
  const measured = await measureCalls((i) => authorize(demoWorkload[i % demoWorkload.length] as never, caller, deps), {
    warmup: 300,
    sequential: SEQUENTIAL,
    concurrent: CONCURRENT,
    inFlight: IN_FLIGHT,
  });
  await engine.stop();
  await database.close();
  return measured;
}

async function overHttp(connections: number, url: string, key: string) {
  const result = await autocannon({
    url: `${url}/v1/authorize`,
    connections,
    duration: HTTP_SECONDS,
    requests: demoWorkload.map((body) => ({
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    })),
  });
  return {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    total: result.requests.total,
  };
}

/** The PDP as deployed: its own process (`apps/pdp/src/main.ts`), on a free loopback port. */
async function startPdpProcess(key: string) {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
  const main = fileURLToPath(new URL("../../apps/pdp/src/main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=pea-source", "--no-turbo-inlining", "--import", "tsx", main], {
    env: {
      ...process.env,
      PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-bench-")),
      PEA_PDP_PORT: String(port),
      PEA_EMBEDDED_PORT: "0",
      PEA_LOG_LEVEL: "warn",
      PEA_BOOTSTRAP_API_KEY: key,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`the PDP exited with ${child.exitCode}`);
    if (waited > 60_000) throw new Error("the PDP did not become ready within 60 s");
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const store = databaseUrl ? "Postgres" : "PGlite";
console.log(
  `PEA decision benchmark — demo workload (${demoWorkload.length} requests, allow+deny mix), ${store}, decision logging on`,
);
const uncached = await inProcess(0);
console.log(
  `in-process   sequential, no decision cache: p50 ${fmt(uncached.p50)} µs, p99 ${fmt(uncached.p99)} µs, ${fmt(uncached.sequentialRate)} decisions/s; ${IN_FLIGHT} in flight: ${fmt(uncached.concurrentRate)} decisions/s`,
);
const local = await inProcess();
console.log(
  `in-process   sequential: p50 ${fmt(local.p50)} µs, p99 ${fmt(local.p99)} µs, ${fmt(local.sequentialRate)} decisions/s`,
);
console.log(`in-process   ${IN_FLIGHT} in flight: ${fmt(local.concurrentRate)} decisions/s`);

const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";
if (databaseUrl) {
  const reset = await openDatabase({ url: databaseUrl });
  await reset.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await reset.close();
}
const pdp = await startPdpProcess(key);
try {
  await overHttp(10, pdp.url, key); // warm-up
  for (const connections of [10, 50]) {
    const r = await overHttp(connections, pdp.url, key);
    console.log(
      `HTTP c=${connections}`.padEnd(13) +
        `${fmt(r.rate)} decisions/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, ${fmt(r.total)} requests, ${r.errors} errors`,
    );
  }
} finally {
  await pdp.close();
}
