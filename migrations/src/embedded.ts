import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Database, DatabaseTarget } from "./database.js";
import { serveExchanges } from "./embedded-server.js";

/**
 * PGlite is one process's database. The process that opens it (the PDP under `npm start`) serves it
 * on a loopback port and writes `embedded.json` in the data directory, so the admin app and the CLI
 * reach the same store over the Postgres protocol while it runs.
 */
const descriptorPath = (dataDir: string) => join(dataDir, "embedded.json");
export const pgliteDir = (dataDir: string) => join(dataDir, "pgdata");

interface EmbeddedDescriptor {
  url: string;
  pid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where to find the store: DATABASE_URL, else a running embedded server, else the data dir. */
export function resolveDatabaseTarget(config: { databaseUrl?: string | undefined; dataDir: string }): DatabaseTarget {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const path = descriptorPath(config.dataDir);
  if (existsSync(path)) {
    try {
      const descriptor = JSON.parse(readFileSync(path, "utf8")) as EmbeddedDescriptor;
      if (isAlive(descriptor.pid)) return { url: descriptor.url, embedded: true };
    } catch {
      // A torn or stale descriptor: fall through to opening the files directly.
    }
  }
  return { dataDir: pgliteDir(config.dataDir) };
}

export async function prepareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
}

/** Serve an open PGlite database to other local processes until the returned stop() is called. */
export async function serveEmbedded(
  database: Database,
  dataDir: string,
  port: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  if (!database.pglite) throw new Error("only an embedded database can be served");
  // Whole exchanges at a time, never interleaved with this process's own statements (embedded-server.ts).
  const server = await serveExchanges(database.pglite, { host: "127.0.0.1", port });
  const url = `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`;
  writeFileSync(descriptorPath(dataDir), JSON.stringify({ url, pid: process.pid } satisfies EmbeddedDescriptor));
  return {
    url,
    async stop() {
      rmSync(descriptorPath(dataDir), { force: true });
      await server.close();
    },
  };
}
