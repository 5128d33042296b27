import { type Database, migrate, openDatabase, prepareDataDir, resolveDatabaseTarget } from "@pea/migrations";
import type { CliConfig } from "./config.js";

/**
 * Open the store the CLI works on (DATABASE_URL, the running PDP's embedded store, or the data
 * directory), bring it up to date unless told not to, run `work`, and close it.
 */
export async function withStore<T>(
  config: CliConfig,
  work: (db: Database) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  await prepareDataDir(config.PEA_DATA_DIR);
  const database = await openDatabase(
    resolveDatabaseTarget({ databaseUrl: config.DATABASE_URL, dataDir: config.PEA_DATA_DIR }),
  );
  try {
    if (options.migrate !== false) await migrate(database);
    return await work(database);
  } finally {
    await database.close();
  }
}
