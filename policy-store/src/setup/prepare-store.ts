import type { Database } from "@pea/migrations";
import { migrate } from "@pea/migrations";
import { countApiKeys, createApiKey } from "../identity/api-keys.js";
import { applySeed, isEmptyStore } from "./seed.js";
import { bankSeed } from "./seeds/bank.js";

export interface PreparedStore {
  migrations: string[];
  seeded: boolean;
  /** Set only when this call created the first key: the caller shows it once, then forgets it. */
  createdKey?: { id: string; key: string; generated: boolean };
}

/** First-start work: migrate, seed the demo bank into an empty store, create the first API key. */
export async function prepareStore(
  database: Database,
  options: { seed: "demo" | "none"; bootstrapKey?: string | undefined },
): Promise<PreparedStore> {
  const { applied } = await migrate(database);
  let seeded = false;
  if (options.seed === "demo" && (await isEmptyStore(database))) {
    await applySeed(database, bankSeed);
    seeded = true;
  }
  const result: PreparedStore = { migrations: applied, seeded };
  if ((await countApiKeys(database)) === 0) {
    const created = await createApiKey(database, {
      name: "bootstrap",
      kind: "admin",
      scopes: ["admin"],
      key: options.bootstrapKey,
      actor: "bootstrap",
    });
    result.createdKey = { ...created, generated: options.bootstrapKey === undefined };
  }
  return result;
}
