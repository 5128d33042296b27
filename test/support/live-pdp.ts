// A PDP as `npm start` runs it, in the test's process: real ports, its own embedded store on disk
// or, on Postgres, a database of its own.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testEnv } from "./env.js";
import { openTestStore } from "./store.js";

/**
 * The settings for `parsePdpConfig` (and the CLI beside it): a new data directory named from
 * `prefix`, ports chosen by the system, no log output, and `extra`. The caller closes `store`.
 */
export async function livePdpEnv(prefix: string, extra: Record<string, string> = {}) {
  const store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
  const env = {
    PEA_DATA_DIR: await mkdtemp(join(tmpdir(), prefix)),
    PEA_PDP_PORT: "0",
    PEA_EMBEDDED_PORT: "0",
    PEA_LOG_LEVEL: "silent",
    DATABASE_URL: store?.url,
    ...extra,
  };
  return { env, store };
}
