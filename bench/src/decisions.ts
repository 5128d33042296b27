// npm run bench — decision throughput and latency for the demo workload, decision logging on.
//   in-process: authorize() called directly (sequential, for latency; 32 in flight, for throughput),
//               with the single-link decision cache (the default) and without it (every link
//               evaluated by Cedar: the cost of a request never seen before)
//   HTTP:       the real PDP in its own process (as deployed) on a loopback port, driven from this
//               process by autocannon at c=10 and c=50
// Store: PGlite (in memory in-process; in a temporary directory for the PDP), or Postgres when
// DATABASE_URL is set (a fresh database on that server for each part, dropped after it).
import { postLoad } from "./http-load.js";
import { startPdpProcess } from "./pdp-process.js";
import { measureDemoWorkload, scratchDatabase } from "./setup.js";
import { decisionLoad, fmt } from "./stats.js";
import { demoWorkload } from "./workload.js";

const LOAD = decisionLoad({ sequential: 2_000, concurrent: 4_000 });
const IN_FLIGHT = LOAD.inFlight;
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const databaseUrl = process.env.DATABASE_URL;

const inProcess = (linkCacheSize?: number) =>
  measureDemoWorkload(databaseUrl, "pea_bench_decisions", LOAD, { linkCacheSize });

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
// The PDP prepares its own store: an empty scratch database on the server when there is one.
const scratch = databaseUrl ? await scratchDatabase(databaseUrl, "pea_bench_decisions_pdp") : undefined;
const pdp = await startPdpProcess(key, { databaseUrl: scratch?.url }).catch(async (error) => {
  await scratch?.drop();
  throw error;
});
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
  await scratch?.drop();
}
