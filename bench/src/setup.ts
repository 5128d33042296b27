import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "@pea/migrations";
import {
  type AuthorizeDeps,
  authorize,
  type Caller,
  DecisionEngine,
  DecisionLog,
  defaultPolicyDir,
  type EngineOptions,
  prepareStore,
} from "@pea/policy-store";
import { type AuthorizeRequest, type EntityRef, readCedarSchema } from "@pea/schemas";
import pg from "pg";
import { type Load, type Measured, measureCalls } from "./stats.js";
import { demoWorkload } from "./workload.js";

/** A new, empty database on the server of `adminUrl`, and how to drop it. */
export async function scratchDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A fresh store: PGlite in memory, or a new database on the server of `adminUrl` (dropped by drop()). */
export async function freshDatabase(
  adminUrl: string | undefined,
  prefix: string,
): Promise<{ database: Database; url?: string; drop(): Promise<void> }> {
  if (!adminUrl) {
    const database = await openDatabase({ dataDir: "memory://" });
    return { database, drop: () => database.close() };
  }
  const scratch = await scratchDatabase(adminUrl, prefix);
  const database = await openDatabase({ url: scratch.url });
  return {
    database,
    url: scratch.url,
    async drop() {
      await database.close().catch(() => {});
      await scratch.drop();
    },
  };
}

/** A fresh store (as freshDatabase) holding the demo bank: migrated and seeded, as `pea start` makes it. */
export async function freshDemoStore(
  adminUrl: string | undefined,
  prefix: string,
): Promise<Awaited<ReturnType<typeof freshDatabase>>> {
  const store = await freshDatabase(adminUrl, prefix);
  try {
    await prepareStore(store.database, { seed: "demo" });
  } catch (error) {
    await store.drop();
    throw error;
  }
  return store;
}

/** The decision engine over the shipped policies and the demo bank's firm domain, as the PDP starts it. */
export function startDemoEngine(database: Database, options: Partial<EngineOptions> = {}): Promise<DecisionEngine> {
  return DecisionEngine.start({
    database,
    schemaText: readCedarSchema(),
    policyDir: defaultPolicyDir,
    firmDomains: ["meridian.example"],
    ...options,
  });
}

/**
 * The caller a benchmark decides as: the key of the request's human (outermost), as their own
 * runtime would hold it, or a gateway key when no human is named. Built in memory: the binding
 * check runs on every decision, as it does for a real key.
 */
export function callerFor(request: { principal: EntityRef; chain?: EntityRef[] }): Caller {
  const human = [...(request.chain ?? []), request.principal].find((link) => link.type === "User");
  return {
    speaker: {
      id: human ? `bench-${human.id}` : "bench-gateway",
      name: "bench",
      kind: human ? "user" : "gateway",
      scopes: ["authorize"],
      userId: human?.id ?? null,
      agents: [],
      agentGroups: [],
      createdBy: "bench",
    },
  };
}

/** The demo workload decided in-process, decision logging on, on a fresh demo store (freshDemoStore). */
export async function measureDemoWorkload(
  adminUrl: string | undefined,
  prefix: string,
  load: Load,
  options: Partial<EngineOptions> = {},
): Promise<Measured> {
  const store = await freshDemoStore(adminUrl, prefix);
  try {
    const engine = await startDemoEngine(store.database, options);
    const measured = await measureCalls(decideWorkload({ engine, log: new DecisionLog(store.database) }), load);
    await engine.stop();
    return measured;
  } finally {
    await store.drop();
  }
}

/** The i-th request of the demo workload, decided in-process as its human's key would ask it. */
export function decideWorkload(deps: AuthorizeDeps): (i: number) => Promise<unknown> {
  return (i) => {
    const request = demoWorkload[i % demoWorkload.length] as AuthorizeRequest;
    return authorize(request, callerFor(request), deps);
  };
}
