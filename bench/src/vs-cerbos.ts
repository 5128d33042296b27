// npm run bench:vs-cerbos — PEA against Cerbos and against the HTTP floor, over HTTP, one sitting.
//   PEA:    the real PDP in its own process, durable audit on (every decision committed before it is
//           answered), every allow carrying a signed artifact; on its embedded store (PGlite) and,
//           when DATABASE_URL is set, on a fresh database of that Postgres server.
//   Cerbos: the binary of the @cerbos/cerbos-linux-x64 package with the equivalent policies of
//           bench/cerbos/policies (no audit log; the caller sends the attributes PEA reads itself).
//   floor:  a bare Hono app that parses the same JSON bodies and answers a small JSON decision.
// The same four decisions (research read allow, client-list export deny, deal-db read deny, alice
// export allow), autocannon at c=50, rounds of BENCH_SECONDS (default 8) alternating the targets
// BENCH_ROUNDS times (default 3). Ratios are taken within a round, then the median is printed.
// Each round also reads the CPU time the target's processes spent (/proc; on Postgres the PDP's
// backends too) per request: what an answer costs, whichever share of the cores the target gets.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { cerbosDecision, cerbosRequests, startCerbos } from "./cerbos.js";
import { type LoadResult, postLoad } from "./http-load.js";
import { cpuTimeOf, demoKey, fetchAgain, freePort, startPdpProcess, stopChild, waitReady } from "./pdp-process.js";
import { scratchDatabase } from "./setup.js";
import { fmt, median } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const databaseUrl = process.env.DATABASE_URL;
const expected = ["allow", "deny", "deny", "allow"];
const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";

interface Target {
  name: string;
  url: string;
  /** The processes that do its work: their CPU time is read around each round. */
  pids: () => Promise<number[]>;
  bodies: unknown[];
  headers?: Record<string, string>;
  decision: (answer: unknown) => string;
  close(): Promise<void>;
}

async function startFloor(): Promise<Target> {
  const port = await freePort();
  const script = fileURLToPath(new URL("./echo-server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=pea-source", "--import", "tsx", script, String(port)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, child, "the floor app");
  return {
    name: "floor",
    url: `${url}/v1/authorize`,
    pids: async () => [child.pid ?? 0],
    bodies: demoWorkload.slice(0, 4),
    decision: (answer) => (answer as { decision: string }).decision,
    close: () => stopChild(child),
  };
}

async function startPea(name: string, url?: string, drop?: () => Promise<void>): Promise<Target> {
  const pdp = await startPdpProcess(key, { databaseUrl: url });
  const bodies = demoWorkload.slice(0, 4);
  return {
    name,
    url: `${pdp.url}/v1/authorize`,
    // On Postgres, the server processes serving the PDP's connections work for it too.
    pids: async () => [pdp.pid, ...(url ? await backendPids(url) : [])],
    bodies,
    headers: { authorization: `Bearer ${await demoKey(pdp, "alice", bodies[0])}` },
    decision: (answer) => {
      const { decision, artifact } = answer as { decision: string; artifact?: string };
      // An allow without its signed artifact would not be the product being measured.
      return decision === "allow" && !artifact ? "allow without artifact" : decision;
    },
    async close() {
      await pdp.close();
      await drop?.();
    },
  };
}

async function startCerbosTarget(): Promise<Target> {
  const cerbos = await startCerbos();
  return {
    name: "Cerbos",
    url: `${cerbos.url}/api/check/resources`,
    pids: async () => [cerbos.pid],
    bodies: cerbosRequests,
    decision: cerbosDecision,
    close: () => cerbos.close(),
  };
}

/** Each target must give the expected answer to each of the four requests before it is timed. */
async function verify(target: Target): Promise<void> {
  const got: string[] = [];
  for (const body of target.bodies) {
    const response = await fetchAgain(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers },
      body: JSON.stringify(body),
    });
    got.push(target.decision(await response.json()));
  }
  if (target.name !== "floor" && got.join() !== expected.join()) {
    throw new Error(`${target.name} answered ${got.join(", ")}; expected ${expected.join(", ")}`);
  }
}

/** The Postgres server processes connected to the database of `url` (its backends). */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

const cpuOf = async (pids: number[]) =>
  (await Promise.all(pids.map((pid) => cpuTimeOf(pid).catch(() => 0)))).reduce((a, b) => a + b, 0);

/** One round against one target, and the CPU time its processes spent per request answered (µs). */
type Round = LoadResult & { cpuPerRequest: number };

async function load(target: Target, seconds: number): Promise<Round> {
  const pids = await target.pids();
  const before = await cpuOf(pids);
  const result = await postLoad({
    url: target.url,
    bodies: target.bodies,
    headers: target.headers,
    connections: CONNECTIONS,
    seconds,
  });
  return { ...result, cpuPerRequest: ((await cpuOf(pids)) - before) / Math.max(result.total, 1) };
}

const line = (name: string, r: Round) =>
  `${name.padEnd(14)} ${fmt(r.rate).padStart(8)} req/s   p50 ${fmt(r.p50, 1).padStart(5)} ms   p99 ${fmt(r.p99, 1).padStart(5)} ms   ${fmt(r.total).padStart(7)} requests   ${r.errors} errors   CPU ${fmt(r.cpuPerRequest).padStart(4)} µs/request`;

async function main() {
  console.log(
    `PEA vs Cerbos — 4 demo decisions over HTTP, c=${CONNECTIONS}, ${ROUNDS} rounds of ${SECONDS} s, load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const targets: Target[] = [];
  try {
    targets.push(await startPea("PEA PGlite"));
    targets.push(await startCerbosTarget());
    if (databaseUrl) {
      const scratch = await scratchDatabase(databaseUrl, "bench_vs_cerbos");
      targets.push(await startPea("PEA Postgres", scratch.url, scratch.drop));
    }
    targets.push(await startFloor());
    for (const target of targets) await verify(target);
    console.log("answers checked: allow, deny, deny, allow from PEA and Cerbos (PEA's allows carry a signed artifact)");
    for (const target of targets) await load(target, 2); // warm-up (JIT, pools, caches)

    const results = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      for (const target of targets) {
        const r = await load(target, SECONDS);
        results.get(target.name)?.push(r);
        console.log(`  ${line(target.name, r)}`);
      }
    }

    const rates = (name: string) => results.get(name)?.map((r) => r.rate) ?? [];
    const ratio = (a: string, b: string) => median(rates(a).map((rate, i) => rate / (rates(b)[i] ?? Number.NaN)));
    console.log("\nmedians");
    for (const target of targets) {
      const rs = results.get(target.name) ?? [];
      const spread = (Math.max(...rates(target.name)) - Math.min(...rates(target.name))) / median(rates(target.name));
      console.log(
        `  ${target.name.padEnd(14)} ${fmt(median(rates(target.name))).padStart(8)} req/s   p50 ${fmt(median(rs.map((r) => r.p50)), 1).padStart(5)} ms   p99 ${fmt(median(rs.map((r) => r.p99)), 1).padStart(5)} ms   errors ${rs.reduce((n, r) => n + r.errors, 0)}   spread ${(spread * 100).toFixed(0)}%   CPU ${fmt(median(rs.map((r) => r.cpuPerRequest)))} µs/request`,
      );
    }
    console.log(
      `load average at end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    console.log("\nratios (median of per-round ratios)");
    for (const pea of targets.filter((t) => t.name.startsWith("PEA"))) {
      console.log(`  ${pea.name} / Cerbos   ${ratio(pea.name, "Cerbos").toFixed(2)}×`);
      console.log(`  ${pea.name} / floor    ${ratio(pea.name, "floor").toFixed(3)}×`);
    }
    console.log(`  Cerbos / floor       ${ratio("Cerbos", "floor").toFixed(3)}×`);
    // Throughput on a machine this small also measures who gets its cores: Cerbos runs on every
    // core, the PDP's decisions on one thread, and the load generator shares them. CPU time per
    // request says what each answer costs wherever it runs (Postgres: the PDP's backends included,
    // not the server's shared writers).
    const cpu = (name: string) => median(results.get(name)?.map((r) => r.cpuPerRequest) ?? []);
    console.log("\nCPU time per request (median of rounds; lower is better)");
    for (const pea of targets.filter((t) => t.name.startsWith("PEA"))) {
      console.log(`  ${pea.name} / Cerbos   ${(cpu(pea.name) / cpu("Cerbos")).toFixed(2)}×`);
    }
  } finally {
    for (const target of targets.reverse()) await target.close();
  }
}

await main();
