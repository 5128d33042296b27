// npm run bench:outcome — what an outcome report (POST /v1/decisions/{id}/outcome, sent by the MCP
// gateway after every tools/call) costs the PDP, in process so neither HTTP nor the other processes
// of bench:gateway blur it: alice's research read (an allow that writes a touch), decided alone, then
// decided and reported executed, then decided and reported aborted (history undone), BENCH_CALLS
// times each (default 400) at 1 and at 20 in flight. Wall p50/p99 (ms) and this process's CPU per
// call (µs: on the embedded store that includes the database's work).
// Store: PGlite in memory, or a fresh database of DATABASE_URL's Postgres server.

import { authorize, DecisionLog, reportOutcome } from "@pea/policy-store";
import type { AuthorizeRequest } from "@pea/schemas";
import { callerFor, freshDemoStore, startDemoEngine } from "./setup.js";
import { fmt, timeInFlight } from "./stats.js";
import { demoWorkload } from "./workload.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const WARMUP = 50;
const { database, drop } = await freshDemoStore(process.env.DATABASE_URL, "bench_outcome");
const engine = await startDemoEngine(database);
const log = new DecisionLog(database);
const request = demoWorkload[0] as AuthorizeRequest;
const caller = callerFor(request);
if (caller.speaker === "in-process") throw new Error("the bench decides as a key");
const keyId = caller.speaker.id;

const decideOnce = async () => {
  const answer = await authorize(request, caller, { engine, log });
  if (answer.decision !== "allow") throw new Error(`expected an allow: ${JSON.stringify(answer.reasons)}`);
  return answer.decisionId;
};
const decideAndReport = (status: "executed" | "aborted") => async () => {
  const decisionId = await decideOnce();
  await reportOutcome(database, log, { decisionId, status }, { apiKeyId: keyId, now: engine.now() });
};

async function measure(call: () => Promise<unknown>, inFlight: number) {
  const { p50, p99, cpuPerCall } = await timeInFlight(call, { warmup: WARMUP, total: CALLS, inFlight });
  const ms = (n: number) => fmt(n, 2);
  return `p50 ${ms(p50)} p99 ${ms(p99)} ms, cpu ${fmt(cpuPerCall)} µs`;
}

try {
  console.log(`outcome reports (${process.env.DATABASE_URL ? "Postgres" : "PGlite"}, ${CALLS} calls each, in process)`);
  for (const inFlight of [1, 20]) {
    console.log(
      `c=${String(inFlight).padEnd(3)} decision alone ${await measure(decideOnce, inFlight)} | ` +
        `+ executed ${await measure(decideAndReport("executed"), inFlight)} | ` +
        `+ aborted ${await measure(decideAndReport("aborted"), inFlight)}`,
    );
  }
} finally {
  await engine.stop();
  await drop();
}
