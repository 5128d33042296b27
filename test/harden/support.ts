import { openDatabase } from "@pea/migrations";
import { DecisionEngine, DecisionLog, defaultPolicyDir } from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { TEST_DECISION_DEADLINE_MS, type TestPdp } from "../support/store.js";

/**
 * A second PDP on the same store as `pdp`: its own engine, caches and decision log, and on Postgres
 * its own connection pool, as a second process would have (nothing in memory is shared with the
 * first). The embedded store has one session, which both then share.
 */
export async function secondPdp(pdp: TestPdp, options: { now?: () => Date; historyWindowSeconds?: number } = {}) {
  const database = pdp.url ? await openDatabase({ url: pdp.url }) : pdp.database;
  const engine = await DecisionEngine.start({
    database,
    schemaText: readCedarSchema(),
    policyDir: defaultPolicyDir,
    firmDomains: ["meridian.example"],
    retryMs: 50,
    decisionDeadlineMs: TEST_DECISION_DEADLINE_MS,
    ...options,
  });
  const second: TestPdp = {
    ...pdp,
    database,
    engine,
    log: new DecisionLog(database),
    async close() {
      await engine.stop();
      if (database !== pdp.database) await database.close();
    },
  };
  return second;
}

/** The audit chain position of each decision id given (absent: not recorded). */
export async function chainPositions(pdp: TestPdp, ids: string[]): Promise<Map<string, number>> {
  const rows = await pdp.database.query<{ ref: string; seq: unknown }>(
    "SELECT ref, seq FROM audit_log WHERE ref = ANY($1)",
    [ids],
  );
  return new Map(rows.map((r) => [r.ref, Number(r.seq)]));
}
