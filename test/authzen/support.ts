import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  applySeed,
  createApiKey,
  DecisionEngine,
  DecisionLog,
  loadPack,
  type PackName,
  prepareStore,
} from "@pea/policy-store";
import { afterAll, beforeAll } from "vitest";
import { pdpClient } from "../support/http.js";
import { openTestStore, type TestPdp } from "../support/store.js";
import { madeBeforeAll } from "../support/suite.js";

/**
 * The public AuthZEN interop vectors (openid/authzen interop/, kept beside the repository in
 * ../shared/authzen-interop). Missing vectors fail the suites loudly; they are never skipped.
 */
export const vectorsDir = fileURLToPath(new URL("../../../shared/authzen-interop/", import.meta.url));

export function readVectors<T>(file: string): T {
  return JSON.parse(readFileSync(join(vectorsDir, file), "utf8")) as T;
}

/** A fresh store seeded with one interop pack, and a decision engine over the pack's schema and policies. */
export async function startPackPdp(name: PackName): Promise<TestPdp> {
  const store = await openTestStore();
  const pack = await loadPack(name);
  await prepareStore(store.database, { seed: "none" });
  await applySeed(store.database, pack.seed);
  const { key } = await createApiKey(store.database, { kind: "gateway", name: "authzen-test", scopes: ["authorize"] });
  const engine = await DecisionEngine.start({
    database: store.database,
    schemaText: pack.schemaText,
    policyDir: pack.policyDir,
    firmDomains: [],
    retryMs: 50,
  });
  return {
    ...store,
    engine,
    log: new DecisionLog(store.database),
    // The enforcement point authenticates its subjects itself: a gateway key speaks for them.
    key,
    keys: new Map([["gateway", key]]),
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}

export type PackClient = ReturnType<typeof pdpClient>;

/**
 * A PDP `start`ed before the enclosing describe block's tests and closed after them, and a client
 * for it: the block's tests read both through the accessors.
 */
export function pdpForSuite(start: () => Promise<TestPdp>) {
  let pdp: TestPdp | undefined;
  let client: PackClient | undefined;
  beforeAll(async () => {
    pdp = await start();
    client = pdpClient(pdp);
  });
  afterAll(async () => pdp?.close());
  return { pdp: () => madeBeforeAll(pdp, "the PDP"), client: () => madeBeforeAll(client, "the PDP's client") };
}
export { pdpClient };
