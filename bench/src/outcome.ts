// npm run bench:outcome — what an outcome report (POST /v1/decisions/{id}/outcome, sent by the MCP
// gateway after every tools/call) costs the PDP, in process so neither HTTP nor the other processes
// of bench:gateway blur it: alice's research read (an allow that writes a touch), decided alone, then
// decided and reported executed, then decided and reported aborted (history undone), BENCH_CALLS
// times each (default 400) at 1 and at 20 in flight. Wall p50/p99 (ms) and this process's CPU per
// call (µs: on the embedded store that includes the database's work).
// Store: PGlite in memory, or a fresh database of DATABASE_URL's Postgres server.

import { authorize, DecisionLog, prepareStore, reportOutcome } from "@pea/policy-store";
import type { AuthorizeRequest } from "@pea/schemas";
import { callerFor, freshDatabase, startDemoEngine } from "./setup.js";
import { fmt, percentile } from "./stats.js";
import { demoWorkload } from "./workload.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const WARMUP = 50;
const { database, drop } = await freshDatabase(process.env.DATABASE_URL, "bench_outcome");
await prepareStore(database, { seed: "demo" });
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
  for (let i = 0; i < WARMUP; i++) await call();
  const times: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < CALLS) {
        const t = performance.now();
        await call();
        times.push(performance.now() - t);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const ms = (n: number) => fmt(n, 2);
  return `p50 ${ms(percentile(times, 50))} p99 ${ms(percentile(times, 99))} ms, cpu ${fmt((used.user + used.system) / CALLS)} µs`;
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
