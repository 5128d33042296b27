import { type ServerType, serve } from "@hono/node-server";
import { createLogger } from "@pea/http-kit";
import { openDatabase, prepareDataDir, resolveDatabaseTarget, serveEmbedded } from "@pea/migrations";
import {
  applySeed,
  DecisionEngine,
  DecisionLog,
  defaultPolicyDir,
  loadPack,
  prepareStore,
  startAuditService,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { createPdpApp } from "./app.js";
import type { PdpConfig } from "./config.js";
import { createPdpMetrics, type PdpMetrics } from "./metrics.js";

export interface RunningPdp {
  url: string;
  engine: DecisionEngine;
  close(): Promise<void>;
}

/** Open the store, prepare it on first start, load policies and serve the PDP. */
export async function startPdp(config: PdpConfig, print: (line: string) => void = console.log): Promise<RunningPdp> {
  const logger = createLogger(config.PEA_LOG_LEVEL, "pea-pdp");
  await prepareDataDir(config.PEA_DATA_DIR);
  const target = resolveDatabaseTarget({ databaseUrl: config.DATABASE_URL, dataDir: config.PEA_DATA_DIR });
  const database = await openDatabase(target, {
    acquireTimeoutMs: config.PEA_STORE_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.PEA_STORE_STATEMENT_TIMEOUT_MS,
  });
  // PEA_PACK: an AuthZEN interop pack's schema, policies and seed replace the demo bank's.
  const pack = config.PEA_PACK ? await loadPack(config.PEA_PACK) : undefined;
  const prepared = await prepareStore(database, {
    seed: pack ? "none" : config.PEA_SEED,
    bootstrapKey: config.PEA_BOOTSTRAP_API_KEY,
  });
  if (pack) await applySeed(database, pack.seed);
  logger.info({ store: database.kind, migrations: prepared.migrations, seeded: prepared.seeded }, "store ready");
  if (prepared.createdKey?.generated) {
    print(
      `\n  First start: an admin API key was created. It is shown only this once:\n\n    ${prepared.createdKey.key}\n\n` +
        "  It administers and speaks for nobody. Each person and agent runtime asks with its own key:\n" +
        "  `npx pea keys demo` makes the demo's (or `npx pea keys create --help`).\n",
    );
  }
  const embedded = database.pglite
    ? await serveEmbedded(database, config.PEA_DATA_DIR, config.PEA_EMBEDDED_PORT)
    : undefined;

  // Made once the engine exists (its gauges read it); store errors it reports before then are only logged.
  let metrics: PdpMetrics | undefined;
  const engine = await DecisionEngine.start({
    database,
    schemaText: pack?.schemaText ?? readCedarSchema(),
    policyDir: config.PEA_POLICY_DIR ?? pack?.policyDir ?? defaultPolicyDir,
    firmDomains: config.PEA_FIRM_DOMAINS,
    historyWindowSeconds: config.PEA_HISTORY_WINDOW_SECONDS,
    linkCacheSize: config.PEA_DECISION_CACHE_SIZE,
    decisionDeadlineMs: config.PEA_DECISION_DEADLINE_MS,
    trustedPolicyKeys: config.PEA_POLICY_TRUSTED_KEYS,
    trust: {
      artifactTtlSeconds: config.PEA_ARTIFACT_TTL_SECONDS,
      tokens: {
        issuer: config.PEA_ISSUER,
        audience: config.PEA_AUDIENCE,
        runTokenTtlSeconds: config.PEA_RUN_TOKEN_TTL_SECONDS,
      },
      trustedIssuers: config.PEA_TRUSTED_ISSUERS,
      approvalTtlSeconds: config.PEA_APPROVAL_TTL_SECONDS,
      signingKeyPassphrase: config.PEA_SIGNING_KEY_PASSPHRASE,
      signingKeyRotateAfterSeconds: Math.round(config.PEA_SIGNING_KEY_ROTATE_DAYS * 86_400),
    },
    // Losing the store or refusing policies is why decisions fail closed: warn, not info.
    onEvent: (event, detail) => {
      (/invalid|unavailable|rejected|failed/.test(event) ? logger.warn : logger.info).call(logger, detail, event);
      if (event === "store_unavailable") metrics?.storeErrors.inc({ cause: "change_feed" });
    },
  });
  const log = new DecisionLog(database);
  metrics = createPdpMetrics({ engine, log, logger });
  // Signed audit checkpoints every N records / T seconds, and next months' log partitions.
  const audit = startAuditService(database, log, {
    checkpointEvery: config.PEA_AUDIT_CHECKPOINT_EVERY,
    checkpointSeconds: config.PEA_AUDIT_CHECKPOINT_SECONDS,
    privateKey: config.PEA_AUDIT_SIGNING_KEY,
    onError: (error) => logger.warn({ error: error.message }, "audit_maintenance_failed"),
  });
  const app = createPdpApp({
    engine,
    log,
    logger,
    metrics,
    maxBodyBytes: config.PEA_MAX_BODY_BYTES,
    readyProbeMs: config.PEA_READY_PROBE_TIMEOUT_MS,
  });

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.PEA_HOST, port: config.PEA_PDP_PORT }, () => resolve(s));
    s.once("error", async (error) => {
      await engine.stop();
      await embedded?.stop();
      await database.close();
      reject(new Error(`cannot listen on ${config.PEA_HOST}:${config.PEA_PDP_PORT}: ${error.message}`));
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PEA_PDP_PORT;
  const url = `http://${config.PEA_HOST}:${port}`;
  logger.info({ url, storeKind: database.kind, ...engine.status() }, "PDP listening");

  return {
    url,
    engine,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      audit.stop();
      await audit.checkpointer.checkpoint();
      await engine.stop();
      await embedded?.stop();
      await database.close();
    },
  };
}
