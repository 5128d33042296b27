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
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { cerbosDecision, cerbosRequests, startCerbos } from "./cerbos.js";
import { type LoadResult, postLoad } from "./http-load.js";
import { demoKey, fetchAgain, freePort, startPdpProcess, stopChild, waitReady } from "./pdp-process.js";
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

const load = (target: Target, seconds: number) =>
  postLoad({ url: target.url, bodies: target.bodies, headers: target.headers, connections: CONNECTIONS, seconds });

const line = (name: string, r: LoadResult) =>
  `${name.padEnd(14)} ${fmt(r.rate).padStart(8)} req/s   p50 ${fmt(r.p50, 1).padStart(5)} ms   p99 ${fmt(r.p99, 1).padStart(5)} ms   ${fmt(r.total).padStart(7)} requests   ${r.errors} errors`;

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

    const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
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
        `  ${target.name.padEnd(14)} ${fmt(median(rates(target.name))).padStart(8)} req/s   p50 ${fmt(median(rs.map((r) => r.p50)), 1).padStart(5)} ms   p99 ${fmt(median(rs.map((r) => r.p99)), 1).padStart(5)} ms   errors ${rs.reduce((n, r) => n + r.errors, 0)}   spread ${(spread * 100).toFixed(0)}%`,
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
  } finally {
    for (const target of targets.reverse()) await target.close();
  }
}

await main();
