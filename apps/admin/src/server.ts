import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { createLogger } from "@pea/http-kit";
import { type Database, migrate, openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import {
  AdminAuthorizer,
  AdminOversight,
  DecisionEngine,
  defaultPolicyDir,
  entitlementAdmin,
  isEmptyStore,
  prepareAdmin,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { type AdminApp, createAdminApp } from "./app.js";
import { type AdminConfig, oidcSettingsOf } from "./config.js";

export interface RunningAdmin {
  url: string;
  app: AdminApp;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reach the store the PDP prepared. The embedded store belongs to the PDP process, which serves it
 * on a loopback port and says where in <data dir>/embedded.json: wait for that file.
 */
async function openStore(config: AdminConfig): Promise<Database> {
  const deadline = Date.now() + config.PEA_ADMIN_STORE_WAIT_MS;
  if (!config.DATABASE_URL) {
    while (!existsSync(join(config.PEA_DATA_DIR, "embedded.json"))) {
      if (Date.now() > deadline) {
        throw new Error(
          `the embedded store is not being served (${join(config.PEA_DATA_DIR, "embedded.json")} missing): start the PDP (npm start runs both)`,
        );
      }
      await sleep(200);
    }
  }
  for (;;) {
    const target = resolveDatabaseTarget({ databaseUrl: config.DATABASE_URL, dataDir: config.PEA_DATA_DIR });
    if (!config.DATABASE_URL && !("url" in target)) {
      if (Date.now() > deadline) throw new Error("the embedded store's server is not running");
      await sleep(200);
      continue;
    }
    try {
      return await openDatabase(target);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

export async function startAdmin(
  config: AdminConfig,
  print: (line: string) => void = console.log,
): Promise<RunningAdmin> {
  const logger = createLogger(config.PEA_LOG_LEVEL, "pea-admin");
  const database = await openStore(config);
  await migrate(database);
  if (config.PEA_SEED === "demo") {
    // The PDP seeds an empty store on its first start; give it the time to.
    const deadline = Date.now() + config.PEA_ADMIN_STORE_WAIT_MS;
    while ((await isEmptyStore(database)) && Date.now() < deadline) await sleep(250);
  }
  const prepared = await prepareAdmin(database, {
    demo: config.PEA_SEED === "demo",
    demoPassword: config.PEA_ADMIN_DEMO_PASSWORD,
  });
  if (prepared.demoPassword?.generated) {
    print(
      `\n  First start: demo admin accounts ${prepared.demoPassword.users.join(", ")} sign in with this password (shown only once):\n\n    ${prepared.demoPassword.password}\n`,
    );
  }
  const engine = await DecisionEngine.start({
    database,
    schemaText: readCedarSchema(),
    policyDir: config.PEA_POLICY_DIR ?? defaultPolicyDir,
    firmDomains: config.PEA_FIRM_DOMAINS,
    onEvent: (event, detail) => logger.debug(detail, event),
  });
  const authorizer = new AdminAuthorizer(database, engine);
  const schema = () => {
    const inputs = engine.inputs();
    return "schema" in inputs ? inputs.schema : undefined;
  };
  const app = createAdminApp({
    database,
    engine,
    keys: engine.keys,
    authorizer,
    entitlements: entitlementAdmin({ database, authorizer, schema }),
    oversight: new AdminOversight({ database, authorizer }),
    schema,
    logger,
    maxBodyBytes: config.PEA_MAX_BODY_BYTES,
    maxJsonDepth: config.PEA_ADMIN_MAX_JSON_DEPTH,
    oidc: oidcSettingsOf(config),
    secureCookies: config.PEA_ADMIN_SECURE_COOKIES,
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.PEA_HOST, port: config.PEA_ADMIN_PORT }, () => resolve(s));
    s.once("error", async (error) => {
      await engine.stop();
      await database.close();
      reject(new Error(`cannot listen on ${config.PEA_HOST}:${config.PEA_ADMIN_PORT}: ${error.message}`));
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PEA_ADMIN_PORT;
  const url = `http://${config.PEA_HOST}:${port}`;
  logger.info({ url, store: database.kind }, "admin app listening");
  return {
    url,
    app,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.stop();
      await database.close();
    },
  };
}
