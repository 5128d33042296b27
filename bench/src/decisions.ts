// npm run bench — decision throughput and latency for the demo workload, decision logging on.
//   in-process: authorize() called directly (sequential, for latency; 32 in flight, for throughput)
//   HTTP:       the real PDP on a loopback port, driven by autocannon at c=10 and c=50
// Store: PGlite in a temporary directory, or Postgres when DATABASE_URL is set.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@pea/migrations";
import { parsePdpConfig, startPdp } from "@pea/pdp";
import { authorize, DecisionEngine, DecisionLog, defaultPolicyDir, prepareStore } from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import autocannon from "autocannon";
import { fmt, percentile } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SEQUENTIAL = 2_000;
const CONCURRENT = 4_000;
const IN_FLIGHT = 32;
const HTTP_SECONDS = 10;
const databaseUrl = process.env.DATABASE_URL;

async function inProcess() {
  const database = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: "memory://" });
  if (databaseUrl) await database.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await prepareStore(database, { seed: "demo" });
  const engine = await DecisionEngine.start({
    database,
    schemaText: readCedarSchema(),
    policyDir: defaultPolicyDir,
    firmDomains: ["meridian.example"],
  });
  const deps = { engine, log: new DecisionLog(database) };
  const caller = { apiKeyId: "bench" };

  for (let i = 0; i < 300; i++) await authorize(demoWorkload[i % demoWorkload.length] as never, caller, deps);

  const latencies: number[] = [];
  let started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    await authorize(demoWorkload[i % demoWorkload.length] as never, caller, deps);
    latencies.push((performance.now() - t) * 1000);
  }
  const sequentialSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  let next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CONCURRENT) {
        const i = next++;
        await authorize(demoWorkload[i % demoWorkload.length] as never, caller, deps);
      }
    }),
  );
  const concurrentSeconds = (performance.now() - started) / 1000;

  await engine.stop();
  await database.close();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    sequentialRate: SEQUENTIAL / sequentialSeconds,
    concurrentRate: CONCURRENT / concurrentSeconds,
  };
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

const store = databaseUrl ? "Postgres" : "PGlite";
console.log(
  `PEA decision benchmark — demo workload (${demoWorkload.length} requests, allow+deny mix), ${store}, decision logging on`,
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
const pdp = await startPdp(
  parsePdpConfig({
    DATABASE_URL: databaseUrl,
    PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-bench-")),
    PEA_PDP_PORT: "0",
    PEA_LOG_LEVEL: "warn",
    PEA_BOOTSTRAP_API_KEY: key,
  }),
);
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
