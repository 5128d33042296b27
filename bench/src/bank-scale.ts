// npm run bench:bank-scale — PEA at bank size: 10k users, 2k agents, 100k datasets, ~1M membership
// rows (bench/src/bank-store.ts), on the embedded store and, with DATABASE_URL, on a fresh database
// of that Postgres server. For each store: how long generating takes, how long the PDP takes to
// start (entitlements loaded into its snapshot) and its memory, then decisions/s and latency at
// c=50 for requests drawn at random (they rarely repeat: the decision cache's hit ratio is
// printed) alternating with the demo store serving the demo workload (the latency it is compared
// with), and how long an entitlement change takes to reach a PDP at this size.
// BENCH_PROFILE_DIR=/tmp/x: the bank PDP's CPU profile is written there.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import { prepareStore } from "@pea/policy-store";
import pg from "pg";
import { bankSize, generateBankStore, generatedRows, prng, randomBankRequest } from "./bank-store.js";
import { decisionLoad, type LoadResult, postLoad } from "./http-load.js";
import { demoKey, fetchAgain, freePort, memoryOf, type PdpProcess, startPdpProcess } from "./pdp-process.js";
import { scratchDatabase } from "./setup.js";
import { fmt, median } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const databaseUrl = process.env.DATABASE_URL;
const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";
const auth = { authorization: `Bearer ${key}` };

async function cacheCounts(pdp: PdpProcess): Promise<{ hits: number; misses: number }> {
  const text = await (await fetchAgain(`${pdp.url}/metrics`, { headers: auth })).text();
  const count = (result: string) =>
    Number(new RegExp(`pea_link_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { hits: count("hit"), misses: count("miss") };
}

async function decideOnce(pdp: PdpProcess, body: unknown, key: string) {
  const response = await fetchAgain(`${pdp.url}/v1/authorize`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { decision: string; reasons: Array<{ code: string }>; entitlementVersion: number };
}

/** The mix of answers to 200 random requests: the workload must exercise policies, not fail closed. */
async function answerMix(pdp: PdpProcess): Promise<string> {
  const random = prng(7);
  const counts = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const { body, key } = randomBankRequest(random);
    const answer = await decideOnce(pdp, body, key);
    const label = answer.decision
      ? `${answer.decision}${answer.reasons[0] ? ` ${answer.reasons[0].code}` : ""}`
      : `refused ${(answer as unknown as { error?: { code?: string } }).error?.code}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} ${n}`)
    .join(", ");
}

/**
 * Milliseconds from an entitlement change's commit to the PDP answering with the new version, and
 * the slowest answer to the requests asked meanwhile (the old snapshot serves while the new one loads).
 */
async function changeReachesPdp(pdp: PdpProcess, storeUrl: string): Promise<{ ms: number; slowestMs: number }> {
  const probe = demoWorkload[0];
  // Any answer names the entitlement version it was judged on (the bootstrap key's early deny too).
  const before = (await decideOnce(pdp, probe, key)).entitlementVersion;
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  const started = performance.now();
  await client.query("INSERT INTO users (id, display_name) VALUES ($1, 'reload probe')", [`probe-${Date.now()}`]);
  await client.end();
  let slowestMs = 0;
  for (;;) {
    const asked = performance.now();
    const answer = await decideOnce(pdp, probe, key);
    slowestMs = Math.max(slowestMs, performance.now() - asked);
    if (answer.entitlementVersion > before) return { ms: performance.now() - started, slowestMs };
    if (performance.now() - started > 120_000) return { ms: Number.NaN, slowestMs };
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Store {
  name: string;
  /** Where the PDP finds it: a Postgres URL, or the embedded store's directory. */
  databaseUrl?: string;
  dataDir?: string;
  drop?: () => Promise<void>;
}

async function prepare(name: string, bank: boolean): Promise<Store & { generateMs: number }> {
  let store: Store;
  if (databaseUrl) {
    const scratch = await scratchDatabase(databaseUrl, bank ? "bench_bank" : "bench_demo");
    store = { name, databaseUrl: scratch.url, drop: scratch.drop };
  } else {
    store = { name, dataDir: await mkdtemp(join(tmpdir(), "pea-bank-")) };
  }
  // Where the PDP will look for it (the embedded store lives in <data dir>/pgdata).
  const database = await openDatabase(
    resolveDatabaseTarget({ databaseUrl: store.databaseUrl, dataDir: store.dataDir ?? "" }),
  );
  await prepareStore(database, { seed: "demo", bootstrapKey: key });
  const started = performance.now();
  if (bank) await generateBankStore(database);
  const generateMs = performance.now() - started;
  await database.close();
  return { ...store, generateMs };
}

async function main() {
  const storeName = databaseUrl ? "Postgres" : "PGlite";
  console.log(
    `PEA at bank size on ${storeName}: ${fmt(bankSize.users)} users, ${fmt(bankSize.agents)} agents, ${fmt(bankSize.resources)} datasets, ${fmt(generatedRows(bankSize))} generated entitlement rows (${fmt(bankSize.users * bankSize.groupsPerUser)} group memberships)`,
  );
  const bank = await prepare("bank", true);
  console.log(`generated in ${fmt(bank.generateMs / 1000, 1)} s`);
  const demo = await prepare("demo", false);
  const embeddedPort = await freePort();
  const pdps: PdpProcess[] = [];
  try {
    let started = performance.now();
    const bankPdp = await startPdpProcess(key, {
      databaseUrl: bank.databaseUrl,
      dataDir: bank.dataDir,
      env: { PEA_EMBEDDED_PORT: String(embeddedPort) },
      readyTimeoutMs: 600_000,
      // BENCH_PROFILE_DIR: the bank PDP writes a CPU profile there (start-up included) when it stops.
      nodeFlags: process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [],
    });
    pdps.push(bankPdp);
    const bankStartMs = performance.now() - started;
    const bankMemory = await memoryOf(bankPdp.pid);
    started = performance.now();
    const demoPdp = await startPdpProcess(key, { databaseUrl: demo.databaseUrl, dataDir: demo.dataDir });
    pdps.push(demoPdp);
    const demoStartMs = performance.now() - started;
    const demoMemory = await memoryOf(demoPdp.pid);
    console.log(
      `PDP start (spawn -> ready, entitlements loaded): bank ${fmt(bankStartMs / 1000, 1)} s, RSS ${fmt(bankMemory.rssMb)} MiB; demo ${fmt(demoStartMs / 1000, 1)} s, RSS ${fmt(demoMemory.rssMb)} MiB`,
    );
    console.log(`answers to 200 random bank requests: ${await answerMix(bankPdp)}`);

    const random = prng(42);
    const runBank = () =>
      postLoad({
        url: `${bankPdp.url}/v1/authorize`,
        nextRequest: () => {
          const { body, key } = randomBankRequest(random);
          return { body, headers: { authorization: `Bearer ${key}` } };
        },
        connections: 50,
        seconds: SECONDS,
      });
    // The demo mix as alice's own key asks it (the bench's other HTTP loads do the same).
    const aliceKey = await demoKey(demoPdp, "alice", demoWorkload[0]);
    const runDemo = (seconds = SECONDS) => decisionLoad(demoPdp.url, aliceKey, seconds);
    const show = (name: string, r: LoadResult, extra = "") =>
      console.log(
        `  ${name.padEnd(22)} ${fmt(r.rate).padStart(7)} decisions/s   p50 ${fmt(r.p50, 1).padStart(5)} ms   p99 ${fmt(r.p99, 1).padStart(5)} ms   ${r.errors} errors${extra}`,
      );
    await runDemo(2);
    const bankRuns: LoadResult[] = [];
    const demoRuns: LoadResult[] = [];
    const hitRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      const before = await cacheCounts(bankPdp);
      const b = await runBank();
      const after = await cacheCounts(bankPdp);
      const hits = after.hits - before.hits;
      const lookups = hits + after.misses - before.misses;
      hitRatios.push(hits / lookups);
      bankRuns.push(b);
      show("bank, random requests", b, `   decision cache hit ratio ${((100 * hits) / lookups).toFixed(1)}%`);
      const d = await runDemo();
      demoRuns.push(d);
      show("demo store, demo mix", d);
    }
    const afterMemory = await memoryOf(bankPdp.pid);
    const m = (rs: LoadResult[], f: (r: LoadResult) => number) => median(rs.map(f));
    console.log("\nmedians");
    console.log(
      `  bank: ${fmt(m(bankRuns, (r) => r.rate))} decisions/s, p50 ${fmt(
        m(bankRuns, (r) => r.p50),
        1,
      )} ms, p99 ${fmt(
        m(bankRuns, (r) => r.p99),
        1,
      )} ms, cache hit ratio ${(100 * median(hitRatios)).toFixed(1)}%`,
    );
    console.log(
      `  demo: ${fmt(m(demoRuns, (r) => r.rate))} decisions/s, p50 ${fmt(
        m(demoRuns, (r) => r.p50),
        1,
      )} ms, p99 ${fmt(
        m(demoRuns, (r) => r.p99),
        1,
      )} ms`,
    );
    const ratio = (f: (r: LoadResult) => number) => median(bankRuns.map((r, i) => f(r) / f(demoRuns[i] as LoadResult)));
    console.log(
      `  bank / demo: decisions/s ${ratio((r) => r.rate).toFixed(2)}×, p50 ${ratio((r) => r.p50).toFixed(2)}×, p99 ${ratio((r) => r.p99).toFixed(2)}×`,
    );
    console.log(
      `  bank PDP memory after the runs: RSS ${fmt(afterMemory.rssMb)} MiB, peak ${fmt(afterMemory.peakMb)} MiB`,
    );
    const storeUrl = bank.databaseUrl ?? `postgres://postgres@127.0.0.1:${embeddedPort}/postgres?sslmode=disable`;
    const reload = await changeReachesPdp(bankPdp, storeUrl).catch((error: Error) => {
      console.log(`  (entitlement change probe failed: ${error.message})`);
      return { ms: Number.NaN, slowestMs: Number.NaN };
    });
    const reloadedMemory = await memoryOf(bankPdp.pid);
    console.log(
      `  one entitlement change -> bank PDP answering with it: ${fmt(reload.ms)} ms (the whole snapshot is reloaded); slowest answer meanwhile ${fmt(reload.slowestMs)} ms; RSS after ${fmt(reloadedMemory.rssMb)} MiB, peak ${fmt(reloadedMemory.peakMb)} MiB`,
    );
  } finally {
    for (const pdp of pdps) await pdp.close();
    await bank.drop?.();
    await demo.drop?.();
  }
}

await main();
