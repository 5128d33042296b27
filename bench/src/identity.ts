// npm run bench:identity — what verifying the caller costs a decision. The same engine and store
// answer the same requests, in alternating rounds, asked three ways:
//   unchecked:  PEA's own process (no binding check; what every decision cost before issue 13)
//   user key:   the request's human's own key (the check, no store read)
//   run token:  a gateway key presenting alice's run token (signature check + run read)
// Sequential latency medians per round, then the median of the rounds. PGlite in memory, or a
// fresh Postgres database when DATABASE_URL is set.
import { authorize, DecisionLog, inProcess, startRunAs } from "@pea/policy-store";
import type { ApiKeyPrincipal } from "@pea/schemas";
import { callerFor, freshDemoStore, startDemoEngine } from "./setup.js";
import { fmt, median, percentile } from "./stats.js";
import { readResearch } from "./workload.js";

const ROUNDS = 5;
const CALLS = 600;

const store = await freshDemoStore(process.env.DATABASE_URL, "bench_identity");
try {
  const engine = await startDemoEngine(store.database);
  const deps = { engine, log: new DecisionLog(store.database) };
  const alice = callerFor(readResearch);
  const gateway: ApiKeyPrincipal = { ...(alice.speaker as ApiKeyPrincipal), kind: "gateway", userId: null };
  const started = await startRunAs(
    engine,
    { principal: readResearch.principal, chain: readResearch.chain, intent: readResearch.intent },
    alice.speaker as ApiKeyPrincipal,
  );
  const ways = {
    unchecked: () => authorize(readResearch, inProcess, deps),
    "user key": () => authorize(readResearch, alice, deps),
    "run token": () => authorize({ ...readResearch, delegation: { token: started.token } }, { speaker: gateway }, deps),
  };
  for (const call of Object.values(ways)) {
    const answer = await call();
    if (answer.decision !== "allow") throw new Error(`expected allow, got ${JSON.stringify(answer.reasons)}`);
    for (let i = 0; i < 200; i++) await call();
  }
  const p50s: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  const p99s: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of Object.entries(ways)) {
      const latencies: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const t = performance.now();
        await call();
        latencies.push((performance.now() - t) * 1000);
      }
      latencies.sort((a, b) => a - b);
      p50s[name]?.push(percentile(latencies, 50));
      p99s[name]?.push(percentile(latencies, 99));
    }
  }
  console.log(
    `caller verification cost, ${store.database.kind}; ${ROUNDS} alternating rounds of ${CALLS} sequential allows`,
  );
  const base = median(p50s.unchecked ?? []);
  for (const name of Object.keys(ways)) {
    const p50 = median(p50s[name] ?? []);
    console.log(
      `${name.padEnd(10)} p50 ${fmt(p50)} µs (×${fmt(p50 / base, 2)})  p99 ${fmt(median(p99s[name] ?? []))} µs`,
    );
  }
  await engine.stop();
} finally {
  await store.drop();
}
