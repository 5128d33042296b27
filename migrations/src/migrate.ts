import { readdir, readFile } from "node:fs/promises";
import type { Database, Session } from "./database.js";

const sqlDir = new URL("../sql/", import.meta.url);
// Any constant will do: it only has to be the same in every process running migrations.
const MIGRATION_LOCK = 7_101_001;

export interface MigrationResult {
  applied: string[];
}

/** Apply every migration in ../sql not yet applied, in file-name order, each in its own transaction. */
export async function migrate(database: Database): Promise<MigrationResult> {
  const files = (await readdir(sqlDir)).filter((f) => f.endsWith(".sql")).sort();
  // Starters sharing one handle (the embedded store is one session, where the advisory lock is
  // re-entrant) take turns in-process; separate sessions take turns on the advisory lock.
  const previous = running.get(database) ?? Promise.resolve();
  const mine = previous.catch(() => {}).then(() => database.session((session) => applyPending(session, files)));
  running.set(database, mine);
  return mine;
}
const running = new WeakMap<Database, Promise<unknown>>();

async function applyPending(database: Session, files: string[]): Promise<MigrationResult> {
  const applied: string[] = [];
  // Serialise concurrent starters (several PDP processes, the PDP beside the admin app) before
  // anything else: even CREATE TABLE IF NOT EXISTS races itself on a fresh database.
  // A migration, or waiting for another starter's, may take longer than the pool's statement timeout.
  await database.exec("SET statement_timeout = 0");
  await database.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await database.exec(
      "CREATE TABLE IF NOT EXISTS pea_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (await database.query<{ name: string }>("SELECT name FROM pea_migrations")).map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const body = await readFile(new URL(file, sqlDir), "utf8");
      const name = file.replaceAll("'", "''");
      await database
        .exec(`BEGIN;\n${body}\nINSERT INTO pea_migrations (name) VALUES ('${name}');\nCOMMIT;`)
        .catch(async (error: unknown) => {
          await database.exec("ROLLBACK").catch(() => {});
          throw new Error(`migration ${file} failed: ${(error as Error).message}`);
        });
      applied.push(file);
    }
  } finally {
    await database.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    await database.exec("RESET statement_timeout");
  }
  return { applied };
}
