// npm run bench:ab -- <other checkout> [<second checkout>] — this checkout's PDP (B) against another
// checkout's (A), e.g. the commit before an optimisation (or the second checkout's as B, to compare two
// earlier commits), on the same machine in the same minutes: the four demo
// decisions at c=50, BENCH_ROUNDS (default 4) rounds of BENCH_SECONDS (default 8) alternating A and
// B, each PDP in its own process on its own store (PGlite, or fresh databases of DATABASE_URL's
// server). Prints B/A per round and the median: noise on a shared machine hits both alike.
// Preparing the other checkout: `git worktree add <dir> <commit>`, then give it a node_modules
// whose entries link to this one's, except @pea/* which link to its own packages.
import { join, resolve } from "node:path";
import { decisionLoad, type LoadResult } from "./http-load.js";
import { demoKey, type PdpProcess, startPdpProcess } from "./pdp-process.js";
import { scratchDatabase } from "./setup.js";
import { fmt, median } from "./stats.js";
import { demoWorkload } from "./workload.js";

const [other, second] = process.argv.slice(2);
if (!other) throw new Error("usage: npm run bench:ab -- <path of the other checkout> [<path of a second one>]");
const mainOf = (checkout: string) => join(resolve(checkout), "apps/pdp/src/main.ts");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const databaseUrl = process.env.DATABASE_URL;
const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";

async function start(main?: string) {
  const scratch = databaseUrl ? await scratchDatabase(databaseUrl, "bench_ab") : undefined;
  const pdp = await startPdpProcess(key, { databaseUrl: scratch?.url, main });
  return { pdp, alice: await demoKey(pdp, "alice", demoWorkload[0]), drop: scratch?.drop };
}

// alice's own key: the bootstrap key speaks for nobody (every answer would be an early deny).
const load = ({ pdp, alice }: { pdp: PdpProcess; alice: string }, seconds: number) =>
  decisionLoad(pdp.url, alice, seconds);

const a = await start(mainOf(other));
const b = await start(second ? mainOf(second) : undefined);
try {
  console.log(
    `A: ${resolve(other)}   B: ${second ? resolve(second) : "this checkout"}   store: ${databaseUrl ? "Postgres" : "PGlite"}`,
  );
  await load(a, 2);
  await load(b, 2);
  const ratios: number[] = [];
  const runs: Record<"A" | "B", LoadResult[]> = { A: [], B: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so a trend in the machine's load does not favour one side.
    const order = round % 2 ? (["A", "B"] as const) : (["B", "A"] as const);
    const got: Partial<Record<"A" | "B", LoadResult>> = {};
    for (const side of order) {
      got[side] = await load(side === "A" ? a : b, SECONDS);
      runs[side].push(got[side]);
    }
    const ratio = (got.B?.rate ?? Number.NaN) / (got.A?.rate ?? Number.NaN);
    ratios.push(ratio);
    console.log(
      `round ${round}: A ${fmt(got.A?.rate ?? 0)} req/s (p99 ${fmt(got.A?.p99 ?? 0, 1)} ms)   B ${fmt(got.B?.rate ?? 0)} req/s (p99 ${fmt(got.B?.p99 ?? 0, 1)} ms)   B/A ${ratio.toFixed(2)}`,
    );
  }
  const p99 = (side: "A" | "B") => median(runs[side].map((r) => r.p99));
  console.log(
    `median B/A decisions/s ${median(ratios).toFixed(2)}× (rounds ${ratios.map((r) => r.toFixed(2)).join(", ")}); median p99 A ${fmt(p99("A"), 1)} ms, B ${fmt(p99("B"), 1)} ms`,
  );
} finally {
  await a.pdp.close();
  await b.pdp.close();
  await a.drop?.();
  await b.drop?.();
}
