// Two starters migrating one fresh database at once (the PDP and the admin app under `npm start`,
// or several PDP processes): each must finish, and the schema must be applied exactly once.
import { randomBytes } from "node:crypto";
import { type Database, migrate, openDatabase } from "@pea/migrations";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { testEnv } from "../support/env.js";

// Twenty fresh Postgres databases; the embedded store (one session, so no server-side race to
// provoke, and slow to create) is tried twice.
const rounds = testEnv.DATABASE_URL ? 20 : 2;

async function twoStartersOn(open: () => Promise<[Database, Database]>) {
  const [a, b] = await open();
  try {
    const results = await Promise.allSettled([migrate(a), migrate(b)]);
    const failures = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
    const applied = results.flatMap((r) => (r.status === "fulfilled" ? r.value.applied : []));
    const rows = await a.query<{ n: string }>("SELECT count(*) AS n FROM pea_migrations");
    return { failures, applied, recorded: Number(rows[0]?.n) };
  } finally {
    await a.close().catch(() => {});
    if (b !== a) await b.close().catch(() => {});
  }
}

describe("migrations under concurrent starts", () => {
  it(`two starters on a fresh database, ${rounds} times: no failure, each migration applied once`, {
    timeout: 300_000,
  }, async () => {
    const url = testEnv.DATABASE_URL;
    const admin = url ? new pg.Client({ connectionString: url }) : undefined;
    await admin?.connect();
    const created: string[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const outcome = await twoStartersOn(async () => {
          if (!admin || !url) {
            // The embedded store has one session: both starters share it.
            const database = await openDatabase({ dataDir: "memory://" });
            return [database, database];
          }
          const name = `pea_test_${randomBytes(6).toString("hex")}`;
          await admin.query(`CREATE DATABASE ${name}`);
          created.push(name);
          const target = new URL(url);
          target.pathname = `/${name}`;
          // Two pools: two server sessions racing, exactly as two processes would.
          return Promise.all([openDatabase({ url: target.toString() }), openDatabase({ url: target.toString() })]);
        });
        expect(outcome.failures, `round ${round}`).toEqual([]);
        expect(outcome.applied.length).toBe(outcome.recorded);
        expect(new Set(outcome.applied).size).toBe(outcome.applied.length);
      }
    } finally {
      for (const name of created) await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin?.end();
    }
  });
});
