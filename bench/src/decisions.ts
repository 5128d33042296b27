// npm run bench — decision throughput and latency for the demo workload, decision logging on.
//   in-process: authorize() called directly (sequential, for latency; 32 in flight, for throughput),
//               with the single-link decision cache (the default) and without it (every link
//               evaluated by Cedar: the cost of a request never seen before)
//   HTTP:       the real PDP in its own process (as deployed) on a loopback port, driven from this
//               process by autocannon at c=10 and c=50
// Store: PGlite (in memory in-process; in a temporary directory for the PDP), or Postgres when
// DATABASE_URL is set (its public schema is reset).
import { openDatabase } from "@pea/migrations";
import { authorize, DecisionLog, prepareStore } from "@pea/policy-store";
import { postLoad } from "./http-load.js";
import { startPdpProcess } from "./pdp-process.js";
import { callerFor, startDemoEngine } from "./setup.js";
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
  const measured = await measureCalls(
    (i) =>
      authorize(
        demoWorkload[i % demoWorkload.length] as never,
        callerFor(demoWorkload[i % demoWorkload.length] as never),
        deps,
      ),
    {
      warmup: 300,
      sequential: SEQUENTIAL,
      concurrent: CONCURRENT,
      inFlight: IN_FLIGHT,
    },
  );
  await engine.stop();
  await database.close();
  return measured;
}

function overHttp(connections: number, url: string, key: string) {
  return postLoad({
    url: `${url}/v1/authorize`,
    bodies: demoWorkload,
    headers: { authorization: `Bearer ${key}` },
    connections,
    seconds: HTTP_SECONDS,
  });
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
const pdp = await startPdpProcess(key, { databaseUrl });
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
