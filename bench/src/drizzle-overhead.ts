// npm run bench:drizzle — what drizzle adds to the statements of a decision, against the same
// statement sent raw, in alternating rounds on one connection: a user's status by id (what a
// decision's fact loading looks like) through the query builder and through drizzle's `sql`
// template, and one audit chain append (the decision log's optimistic single statement) through
// the `sql` template, the only drizzle form it has; then the snapshot's two big reads (every
// membership and resource of a small generated bank) three ways. Per-call latency medians per
// round, then the median of the rounds. PGlite in memory, or a fresh Postgres database when
// DATABASE_URL is set.
import { rowsOf, tables } from "@pea/migrations";
import { type AuditEntry, chainEntries } from "@pea/policy-store";
import { eq, sql } from "drizzle-orm";
import { generateBankStore } from "./bank-store.js";
import { freshDemoStore } from "./setup.js";
import { fmt, median } from "./stats.js";

const ROUNDS = 7;
const CALLS = 2_000;

type Ways = Record<string, () => Promise<unknown>>;

/** Median µs per call of each way, over ROUNDS rounds that take the ways in turn. */
async function compare(ways: Ways, calls = CALLS): Promise<Map<string, number>> {
  const rounds = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of Object.entries(ways)) {
      const latencies: number[] = [];
      for (let i = 0; i < calls; i++) {
        const started = process.hrtime.bigint();
        await call();
        latencies.push(Number(process.hrtime.bigint() - started) / 1_000);
      }
      rounds.get(name)?.push(median(latencies));
    }
  }
  return new Map([...rounds].map(([name, medians]) => [name, median(medians)]));
}

function report(title: string, results: Map<string, number>, unit: "µs" | "ms" = "µs"): void {
  console.log(title);
  const scale = unit === "ms" ? 1 / 1_000 : 1;
  const raw = (results.get("raw") ?? Number.NaN) * scale;
  for (const [name, measured] of results) {
    const value = measured * scale;
    const [delta, sign] = [Math.abs(value - raw), value >= raw ? "+" : "-"];
    const extra = name === "raw" ? "" : `  (${sign}${fmt(delta, 1)} ${unit}, ${sign}${fmt((delta / raw) * 100, 0)}%)`;
    console.log(`  ${name.padEnd(14)} ${fmt(value, 1)}${extra}`);
  }
}

const store = await freshDemoStore(process.env.DATABASE_URL, "bench_drizzle");
try {
  const { database } = store;
  const { users } = tables;
  const label = `${database.kind}: ${ROUNDS} rounds × ${CALLS} sequential calls, median µs per call`;

  report(
    `${label}\npoint read (a user's status by id)`,
    await compare({
      raw: () => database.query<{ status: string }>("SELECT status FROM users WHERE id = $1", ["alice"]),
      "drizzle query": () => database.db.select({ status: users.status }).from(users).where(eq(users.id, "alice")),
      "drizzle sql": () => rowsOf<{ status: string }>(database, sql`SELECT status FROM users WHERE id = ${"alice"}`),
    }),
  );

  // The chain append as the decision log sends it (appendIfHead without side rows): written only
  // if the head is still the one this process last saw. Every call appends one decision record.
  const [stored] = await database.query<{ seq: string | number; hash: string }>(
    "SELECT seq, hash FROM audit_head WHERE id = 1",
  );
  if (!stored) throw new Error("the audit chain head is missing");
  let head = { seq: Number(stored.seq), hash: stored.hash };
  const next = (): { entry: AuditEntry; rows: string } => {
    const record = { type: "decision", decision: "allow", principal: "User::alice", decisionId: `d${head.seq + 1}` };
    const [entry] = chainEntries(head, [record]);
    if (!entry) throw new Error("no entry");
    const rows = JSON.stringify([
      { seq: entry.seq, time: entry.time, prev_hash: entry.prevHash, hash: entry.hash, record: entry.record },
    ]);
    return { entry, rows };
  };
  const appended = (entry: AuditEntry, written: unknown[]) => {
    if (written.length !== 1) throw new Error("the chain head moved under the bench");
    head = { seq: entry.seq, hash: entry.hash };
  };
  report(
    "audit chain append (one decision record, optimistic on the head)",
    await compare({
      raw: async () => {
        const { entry, rows } = next();
        const written = await database.query(
          `WITH head AS (UPDATE audit_head SET seq = $2, hash = $3 WHERE id = 1 AND seq = $4 AND hash = $5 RETURNING 1)
           INSERT INTO audit_log (seq, time, prev_hash, hash, record)
           SELECT r.seq, r.time, r.prev_hash, r.hash, r.record
             FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, time timestamptz, prev_hash text, hash text, record jsonb)
            WHERE EXISTS (SELECT 1 FROM head) RETURNING seq`,
          [rows, entry.seq, entry.hash, head.seq, head.hash],
        );
        appended(entry, written);
      },
      "drizzle sql": async () => {
        const { entry, rows } = next();
        const written = await rowsOf(
          database,
          sql`WITH head AS (UPDATE audit_head SET seq = ${entry.seq}, hash = ${entry.hash}
                             WHERE id = 1 AND seq = ${head.seq} AND hash = ${head.hash} RETURNING 1)
              INSERT INTO audit_log (seq, time, prev_hash, hash, record)
              SELECT r.seq, r.time, r.prev_hash, r.hash, r.record
                FROM jsonb_to_recordset(${rows}::jsonb) AS r(seq bigint, time timestamptz, prev_hash text, hash text, record jsonb)
               WHERE EXISTS (SELECT 1 FROM head) RETURNING seq`,
        );
        appended(entry, written);
      },
    }),
  );

  // The snapshot's reads of the tables that grow with the bank (engine/snapshot.ts).
  const size = { users: 2_000, agents: 400, resources: 20_000, groups: 400, groupsPerUser: 20 };
  await generateBankStore(database, size);
  const { memberships: m, resources: r } = tables;
  const [counted] = await database.query<{ n: string | number }>("SELECT count(*) AS n FROM memberships");
  report(
    `snapshot reads: every membership (${counted?.n}) and resource (${size.resources}), ms per read of both`,
    await compare(
      {
        raw: async () => {
          await database.query("SELECT member_type, member_id, parent_type, parent_id FROM memberships");
          await database.query("SELECT type, id, attributes, parents FROM resources");
        },
        "drizzle query": async () => {
          await database.db
            .select({ memberType: m.memberType, memberId: m.memberId, parentType: m.parentType, parentId: m.parentId })
            .from(m);
          await database.db.select({ type: r.type, id: r.id, attributes: r.attributes, parents: r.parents }).from(r);
        },
        "drizzle sql": async () => {
          await rowsOf(database, sql`SELECT ${m.memberType}, ${m.memberId}, ${m.parentType}, ${m.parentId} FROM ${m}`);
          await rowsOf(database, sql`SELECT ${r.type}, ${r.id}, ${r.attributes}, ${r.parents} FROM ${r}`);
        },
      },
      3,
    ),
    "ms",
  );
} finally {
  await store.drop();
}
