// npm run bench:drizzle — what drizzle's query builder adds to one point read, against the same
// statement sent raw: a user's status by id (what a decision's fact loading looks like), in
// alternating rounds on one connection. Per-call latency medians per round, then the median of
// the rounds. PGlite in memory, or a fresh Postgres database when DATABASE_URL is set.
import { tables } from "@pea/migrations";
import { eq } from "drizzle-orm";
import { freshDemoStore } from "./setup.js";
import { fmt, median } from "./stats.js";

const ROUNDS = 7;
const CALLS = 2_000;

const store = await freshDemoStore(process.env.DATABASE_URL, "bench_drizzle");
try {
  const { database } = store;
  const { users } = tables;
  const ways = {
    raw: () => database.query<{ status: string }>("SELECT status FROM users WHERE id = $1", ["alice"]),
    drizzle: () => database.db.select({ status: users.status }).from(users).where(eq(users.id, "alice")),
  };
  const rounds: Record<keyof typeof ways, number[]> = { raw: [], drizzle: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, read] of Object.entries(ways) as Array<[keyof typeof ways, () => Promise<unknown>]>) {
      const latencies: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const started = process.hrtime.bigint();
        await read();
        latencies.push(Number(process.hrtime.bigint() - started) / 1_000);
      }
      rounds[name].push(median(latencies));
    }
  }
  const [raw, drizzle] = [median(rounds.raw), median(rounds.drizzle)];
  console.log(`${database.kind}: ${ROUNDS} rounds × ${CALLS} sequential point reads, median µs per read`);
  console.log(`  raw      ${fmt(raw, 1)}`);
  console.log(
    `  drizzle  ${fmt(drizzle, 1)}  (+${fmt(drizzle - raw, 1)} µs, ${fmt(((drizzle - raw) / raw) * 100, 0)}%)`,
  );
} finally {
  await store.drop();
}
