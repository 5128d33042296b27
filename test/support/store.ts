import { randomBytes } from "node:crypto";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@pea/migrations";
import {
  createApiKey,
  createDemoKeys,
  DecisionEngine,
  DecisionLog,
  defaultPolicyDir,
  prepareStore,
  type TrustOptions,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import pg from "pg";
import { testEnv } from "./env.js";

export interface TestStore {
  database: Database;
  /** The Postgres URL of this test's own database (absent on PGlite). */
  url?: string;
  /** Every connection is cut (Postgres: the server stays up, so clients reconnect at once) or the engine closed (PGlite). */
  cutConnections(): Promise<void>;
  /**
   * The store goes away until `end()`: on Postgres its database refuses new connections and every
   * open one is cut, so the outage lasts however fast clients reconnect; PGlite is closed for good.
   */
  outage(): Promise<{ end(): Promise<void> }>;
  close(): Promise<void>;
}

/** A fresh, migrated, empty store: a new database on the Postgres server, or an in-memory PGlite. */
export async function openTestStore(): Promise<TestStore> {
  if (!testEnv.DATABASE_URL) {
    const database = await openDatabase({ dataDir: "memory://" });
    return {
      database,
      cutConnections: () => database.close(),
      async outage() {
        await database.close();
        return { end: () => Promise.reject(new Error("a closed embedded store does not come back")) };
      },
      close: () => database.close(),
    };
  }
  const admin = new pg.Client({ connectionString: testEnv.DATABASE_URL });
  await admin.connect();
  const name = `pea_test_${randomBytes(6).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  const terminate = () =>
    admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
  return {
    database,
    url: url.toString(),
    cutConnections: async () => {
      await terminate();
    },
    async outage() {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await terminate();
      return { end: () => admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`).then(() => {}) };
    },
    async close() {
      await database.close().catch(() => {});
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      await terminate();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

export interface TestPdp extends TestStore {
  engine: DecisionEngine;
  log: DecisionLog;
  /** An admin-scoped API key (the bootstrap kind: it administers, and speaks for nobody). */
  key: string;
  /** The demo's credentials by holder: each user's key, each agent runtime's, and "gateway" (speakers.ts). */
  keys: ReadonlyMap<string, string>;
  /** Stop the engine and close the store. */
  close(): Promise<void>;
}

/**
 * The decision deadline of test PDPs. The tests that exercise the deadline set the shipped 2 s
 * themselves (test/harden/store-stall.test.ts); elsewhere, 100 concurrent decisions on a loaded
 * 2-core machine can take longer than that, and a test of barriers or approvals would turn into a
 * test of the deadline.
 */
export const TEST_DECISION_DEADLINE_MS = 20_000;

/** A store seeded with the demo bank and a decision engine over the shipped policies. */
export async function startTestPdp(
  options: {
    policyDir?: string;
    now?: () => Date;
    historyWindowSeconds?: number;
    trust?: TrustOptions;
    linkCacheSize?: number;
    decisionDeadlineMs?: number;
  } = {},
): Promise<TestPdp> {
  const store = await openTestStore();
  const prepared = await prepareStore(store.database, { seed: "demo" });
  const key =
    prepared.createdKey?.key ??
    (await createApiKey(store.database, { kind: "admin", name: "test", scopes: ["admin"] })).key;
  const keys = new Map((await createDemoKeys(store.database, "test")).map((k) => [k.holder, k.key]));
  const engine = await DecisionEngine.start({
    database: store.database,
    schemaText: readCedarSchema(),
    policyDir: options.policyDir ?? defaultPolicyDir,
    firmDomains: ["meridian.example"],
    retryMs: 50,
    ...(options.now ? { now: options.now } : {}),
    ...(options.historyWindowSeconds ? { historyWindowSeconds: options.historyWindowSeconds } : {}),
    ...(options.trust ? { trust: options.trust } : {}),
    ...(options.linkCacheSize !== undefined ? { linkCacheSize: options.linkCacheSize } : {}),
    decisionDeadlineMs: options.decisionDeadlineMs ?? TEST_DECISION_DEADLINE_MS,
  });
  return {
    ...store,
    engine,
    log: new DecisionLog(store.database),
    key,
    keys,
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}

/** A copy of the shipped policies plus extra files, for tests that need a planted rule. */
export async function policyDirWith(extra: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pea-policies-"));
  await cp(defaultPolicyDir, dir, { recursive: true });
  for (const [file, text] of Object.entries(extra)) await writeFile(join(dir, file), text);
  return dir;
}

// Generous: a loaded 2-core CI runner can take seconds to deliver a change a quiet machine sees in ms
// (a policy swap compiling in a worker once took over 10 s at load average 16). What must be fast
// is measured in bench/, never here; the tests' own limit (30 s) still ends a wait that never ends.
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}
