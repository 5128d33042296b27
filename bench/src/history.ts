// npm run bench:history -w @pea/bench — what history-dependent decisions cost (issue 3).
//
// The store is first filled with BENCH_HISTORY_ROWS touches (default 50,000) spread over 500
// humans, 1,000 agents and 5,000 runs, plus bob's deal-assistant's own. Then, for three requests:
//   plain   decide() over the in-memory snapshot with no history lookup, and the decision log
//           (the decision path as it was before history existed);
//   history authorize(): the one-statement history/crossings/run lookup, decide(), recording
//           what an allow touched, and the decision log.
// Requests: the demo's Brewer-Nash check (deal-assistant e-mails outside in a tainted run: deny),
// the MNPI read that taints it (allow, writes a touch), and alice's research read (allow).
// Sequential latency (p50/p99, microseconds) and throughput with 32 in flight.
// Store: PGlite in memory, or Postgres when DATABASE_URL is set (a fresh database is created).
import { randomBytes } from "node:crypto";
import type { Database } from "@pea/migrations";
import { authorize, DecisionLog, decide, startRun } from "@pea/policy-store";
import type { AuthorizeRequest } from "@pea/schemas";
import { callerFor, freshDemoStore, startDemoEngine } from "./setup.js";
import { decisionLoad, fmt, measureCalls } from "./stats.js";
import { readResearch } from "./workload.js";

const LOAD = decisionLoad({ warmup: 200, sequential: 2_000, concurrent: 4_000 });
const ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 50_000);
const adminUrl = process.env.DATABASE_URL;

async function fillHistory(database: Database) {
  const now = Date.now();
  const batch = 5_000;
  for (let start = 0; start < ROWS; start += batch) {
    const n = Math.min(batch, ROWS - start);
    await database.query(
      `INSERT INTO touches (decision_id, at, run_id, agents, human, labels)
       SELECT 'dec_bench_' || (g + $1), to_timestamp($2 / 1000.0 - (g % 7200)),
              'run_bench_' || (g % 5000), ARRAY['agent-' || (g % 1000)], 'user-' || (g % 500),
              ARRAY['Issuer::ISS' || (g % 300), 'classification:confidential']
         FROM generate_series(1, $3) AS g`,
      [start, now, n],
    );
  }
  await database.query("ANALYZE touches");
}

type Measure = (request: AuthorizeRequest) => Promise<unknown>;

const measure = (call: Measure, request: AuthorizeRequest) => measureCalls(() => call(request), LOAD);

async function main() {
  const store = await freshDemoStore(adminUrl, "pea_bench_history");
  try {
    await fillHistory(store.database);
    const engine = await startDemoEngine(store.database);
    const log = new DecisionLog(store.database);
    const deal = {
      principal: { type: "Agent", id: "deal-assistant" },
      chain: [{ type: "User", id: "bob" }],
      intent: "deal-prep",
    };
    const run = await startRun(store.database, deal, {
      createdBy: "bench",
      startedBy: deal.chain.find((l) => l.type === "User")?.id ?? null,
      now: new Date(),
    });
    const readDeals = {
      ...deal,
      run: run.id,
      action: "dataset:read",
      resource: { type: "Dataset", id: "deal-db" },
      context: {},
    };
    const first = await authorize(readDeals, callerFor(readDeals), { engine, log });
    if (first.decision !== "allow")
      throw new Error(`setup: the MNPI read was denied: ${JSON.stringify(first.reasons)}`);
    const requests: Array<[string, AuthorizeRequest]> = [
      [
        "Brewer-Nash: e-mail outside in a tainted run (deny)",
        {
          ...deal,
          run: run.id,
          action: "email:send",
          resource: { type: "EmailAddress", id: "cfo@acme.example" },
          context: {},
        },
      ],
      ["MNPI read in the run (allow, records a touch)", readDeals],
      ["research assistant reads research (allow)", readResearch],
    ];

    const plain: Measure = async (request) => {
      const inputs = engine.inputs();
      if ("decision" in inputs) throw new Error("engine not ready");
      const outcome = decide(request, { ...inputs, facts: { now: new Date() } });
      await log.record({
        id: `dec_plain_${randomBytes(8).toString("hex")}`,
        principal: `${request.principal.type}::${request.principal.id}`,
        action: request.action,
        resource: `${request.resource.type}::${request.resource.id}`,
        intent: request.intent ?? null,
        runId: null,
        decision: outcome.decision,
        reasons: outcome.reasons,
        request,
        determiningPolicies: outcome.determiningPolicies,
        policyVersion: inputs.policies.version,
        entitlementVersion: inputs.snapshot.version,
        apiKeyId: "bench",
      });
    };
    const full: Measure = (request) => authorize(request, callerFor(request), { engine, log });

    console.log(
      `store ${store.database.kind}; ${fmt(ROWS)} touches in the store; ${LOAD.sequential} sequential, ${LOAD.concurrent} at ${LOAD.inFlight} in flight`,
    );
    console.log("request | path | p50 us | p99 us | seq/s | conc/s");
    for (const [name, request] of requests) {
      // The plain path ignores the run (no run lookup), so it is measured without it.
      const { run: _run, ...noRun } = request;
      const p = await measure(plain, noRun as AuthorizeRequest);
      const h = await measure(full, request);
      for (const [label, m] of [
        ["plain", p],
        ["history", h],
      ] as const) {
        console.log(
          `${name} | ${label} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.sequentialRate)} | ${fmt(m.concurrentRate)}`,
        );
      }
    }
    await engine.stop();
  } finally {
    await store.drop();
  }
}

await main();
