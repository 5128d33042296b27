// npm run bench:profile — where a PDP's time goes under load. Starts the PDP in its own process
// with --cpu-prof, drives the four demo decisions at c=50 (BENCH_CONNECTIONS: another count; 1 shows
// what one decision costs with nothing to share its write) for BENCH_SECONDS (default 10), stops it
// and prints its CPU time by area (self time, native frames charged to their caller's area) and the
// heaviest functions (self and inclusive). DATABASE_URL: the PDP runs on a fresh database of that
// Postgres server; otherwise on its embedded store. The .cpuprofile is kept for a flame chart.
// `npm run bench:profile -- <other checkout>` profiles that checkout's PDP with this harness (CPU per
// decision is comparable across commits even on a busy machine, where latency is not).
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decisionLoad, type LoadResult } from "./http-load.js";
import { demoKey, startPdpProcess } from "./pdp-process.js";
import { type CpuProfile, summariseProfile } from "./profile-summary.js";
import { scratchDatabase } from "./setup.js";
import { fmt } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const databaseUrl = process.env.DATABASE_URL;
const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";

const other = process.argv[2];
const dir = await mkdtemp(join(tmpdir(), "pea-profile-"));
const scratch = databaseUrl ? await scratchDatabase(databaseUrl, "bench_profile") : undefined;
const pdp = await startPdpProcess(key, {
  databaseUrl: scratch?.url,
  nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  main: other ? join(resolve(other), "apps/pdp/src/main.ts") : undefined,
});
const window = { fromUs: 0, toUs: 0 };
let result: LoadResult;
try {
  // alice's own key: the bootstrap key speaks for nobody (every answer would be an early deny).
  const alice = await demoKey(pdp, "alice", demoWorkload[0]);
  const run = (seconds: number) => decisionLoad(pdp.url, alice, seconds, CONNECTIONS);
  await run(2);
  window.fromUs = Number(process.hrtime.bigint() / 1000n);
  result = await run(SECONDS);
  window.toUs = Number(process.hrtime.bigint() / 1000n);
} finally {
  await pdp.close();
  await scratch?.drop();
}
const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
console.log(
  `PDP on ${scratch ? "Postgres" : "PGlite"}, c=${CONNECTIONS}, ${SECONDS} s: ${fmt(result.rate)} req/s, p99 ${fmt(result.p99, 1)} ms, ${result.errors} errors`,
);
console.log(`profile: ${join(dir, file)} (the summary counts the measured run only)\n`);
const summary = summariseProfile(profile, window);
console.log(`CPU per decision: ${fmt(summary.busyUs / result.total)} µs (busy time in the run / requests answered)\n`);
console.log(summary.text);
