// npm run bench:multi-pdp — several PDP processes on one Postgres (DATABASE_URL; a fresh database
// of that server per setting). For 1, 2 and 4 PDPs: the four demo decisions at c=50 in all, split
// evenly across the PDPs (as a load balancer would), BENCH_SECONDS (default 8) per setting; then
// decisions/s, p99, and from each PDP's /metrics its audit writes: records per write (the group
// commit's batch), the share of writes that lost the race for the chain head to another PDP and
// the time spent locking it and appending after that.
import { loadavg } from "node:os";
import { type LoadResult, postLoad } from "./http-load.js";
import { fetchAgain, type PdpProcess, startPdpProcess } from "./pdp-process.js";
import { scratchDatabase } from "./setup.js";
import { fmt } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 50;
const databaseUrl = process.env.DATABASE_URL;
const key = "pea_benchmark01.benchmarkbenchmarkbenchmark0001";
const auth = { authorization: `Bearer ${key}` };

type WriterCounts = Record<"writes" | "records" | "conflicts" | "writeSeconds" | "lockedSeconds", number>;

async function writerCounts(pdp: PdpProcess): Promise<WriterCounts> {
  const text = await (await fetchAgain(`${pdp.url}/metrics`, { headers: auth })).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    writes: value("pea_audit_writes_total"),
    records: value("pea_audit_records_total"),
    conflicts: value("pea_audit_head_conflicts_total"),
    writeSeconds: value("pea_audit_write_seconds_total"),
    lockedSeconds: value("pea_audit_head_locked_seconds_total"),
  };
}

const minus = (a: WriterCounts, b: WriterCounts): WriterCounts => ({
  writes: a.writes - b.writes,
  records: a.records - b.records,
  conflicts: a.conflicts - b.conflicts,
  writeSeconds: a.writeSeconds - b.writeSeconds,
  lockedSeconds: a.lockedSeconds - b.lockedSeconds,
});

async function setting(processes: number): Promise<void> {
  if (!databaseUrl) throw new Error("bench:multi-pdp needs DATABASE_URL (several PDPs share one Postgres)");
  const scratch = await scratchDatabase(databaseUrl, "bench_multi");
  const pdps: PdpProcess[] = [];
  try {
    // The first prepares the store; the others find it ready.
    pdps.push(await startPdpProcess(key, { databaseUrl: scratch.url }));
    pdps.push(
      ...(await Promise.all(
        Array.from({ length: processes - 1 }, () => startPdpProcess(key, { databaseUrl: scratch.url })),
      )),
    );
    const run = (seconds: number) =>
      Promise.all(
        pdps.map((pdp, i) =>
          postLoad({
            url: `${pdp.url}/v1/authorize`,
            bodies: demoWorkload.slice(0, 4),
            headers: auth,
            // c=50 in all, split across the PDPs.
            connections: Math.floor(CONNECTIONS / processes) + (i < CONNECTIONS % processes ? 1 : 0),
            seconds,
          }),
        ),
      );
    await run(2);
    const before = await Promise.all(pdps.map(writerCounts));
    const results: LoadResult[] = await run(SECONDS);
    const after = await Promise.all(pdps.map(writerCounts));
    const rate = results.reduce((n, r) => n + r.rate, 0);
    const p99 = Math.max(...results.map((r) => r.p99));
    const errors = results.reduce((n, r) => n + r.errors, 0);
    const counts = after.map((a, i) => minus(a, before[i] as WriterCounts));
    const sum = (f: (c: WriterCounts) => number) => counts.reduce((n, c) => n + f(c), 0);
    console.log(
      `${String(processes).padStart(2)} PDP${processes > 1 ? "s" : " "}  ${fmt(rate).padStart(7)} decisions/s   p99 ${fmt(p99, 1).padStart(6)} ms   ${errors} errors   ` +
        `${fmt(sum((c) => c.records) / sum((c) => c.writes), 1).padStart(5)} records/write   ` +
        `${((100 * sum((c) => c.conflicts)) / sum((c) => c.writes)).toFixed(1).padStart(5)}% writes lost the head   ` +
        `${fmt((1000 * sum((c) => c.writeSeconds)) / sum((c) => c.writes), 2).padStart(6)} ms/write   ` +
        `${fmt((sum((c) => c.lockedSeconds) / (SECONDS * processes)) * 100, 1).padStart(5)}% of each PDP's time locking the head`,
    );
  } finally {
    for (const pdp of pdps) await pdp.close();
    await scratch.drop();
  }
}

console.log(
  `Several PDPs on one Postgres — 4 demo decisions, c=${CONNECTIONS} in all, ${SECONDS} s per setting, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const processes of [1, 2, 4]) await setting(processes);
console.log(
  `load average at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
