// Two PDP processes on one store: revoke through one, measure when the other starts denying.
// Postgres (DATABASE_URL): LISTEN/NOTIFY. Embedded store: the second process reaches the first's
// PGlite through its loopback socket and polls the version counters (200 ms).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import { createApiKey, prepareStore } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../support/env.js";
import { type PdpProcess, startPdpProcess as startPdpWith, stopPdpProcess } from "../support/process.js";
import { stories } from "../support/requests.js";
import { openTestStore, type TestStore } from "../support/store.js";

const KEY = "pea_propagation1.abcdefghijklmnopqrstuvwxyz0123456789";
const ROUNDS = 40;
const startPdpProcess = (env: Record<string, string>) => startPdpWith({ PEA_BOOTSTRAP_API_KEY: KEY, ...env });

/** alice's own key: her agents' requests are hers to make (the bootstrap key speaks for nobody). */
const ALICE = "pea_propagationalice.abcdefghijklmnopqrstuvwxyz0123456789";
const post = async (url: string, path: string, body: unknown, key = path === "/v1/authorize" ? ALICE : KEY) => {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { decision?: string; reasons?: Array<{ code: string }> } };
};

/** Whether a process allows the request (asked once: the embedded store serves whole exchanges, nothing interleaves). */
async function allowedBy(url: string, request: unknown): Promise<boolean> {
  return (await post(url, "/v1/authorize", request)).json.decision === "allow";
}

const agentRequest = (id: string) => ({ ...stories.readResearch, principal: { type: "Agent", id } });
const probe = (i: number) => `probe-${i}`;

async function addProbeAgents(database: Database): Promise<void> {
  await createApiKey(database, { kind: "user", name: "alice", userId: "alice", scopes: ["authorize"], key: ALICE });
  await database.transaction(async (tx) => {
    for (let i = 0; i < ROUNDS; i++) {
      await tx.query("INSERT INTO agents (id, owner_id) VALUES ($1, 'alice')", [probe(i)]);
      await tx.query("INSERT INTO agent_intents (agent_id, intent_id) VALUES ($1, 'market-research-report')", [
        probe(i),
      ]);
      await tx.query(
        "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('Agent', $1, 'Segment', 'research')",
        [probe(i)],
      );
    }
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

let a: PdpProcess | undefined;
let b: PdpProcess | undefined;
let store: TestStore | undefined;
let side: Database | undefined;

beforeAll(async () => {
  if (testEnv.DATABASE_URL) {
    store = await openTestStore();
    await prepareStore(store.database, { seed: "demo", bootstrapKey: KEY });
    await addProbeAgents(store.database);
    const env = { DATABASE_URL: store.url as string };
    a = await startPdpProcess(env);
    b = await startPdpProcess(env);
  } else {
    const env = { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-propagation-")) };
    a = await startPdpProcess(env);
    side = await openDatabase(resolveDatabaseTarget({ dataDir: env.PEA_DATA_DIR }));
    await addProbeAgents(side);
    b = await startPdpProcess(env);
  }
}, 120_000);

afterAll(async () => {
  await stopPdpProcess(b);
  await side?.close();
  await stopPdpProcess(a);
  await store?.close();
});

describe(`revocation reaches every PDP process (${testEnv.DATABASE_URL ? "Postgres LISTEN/NOTIFY" : "embedded store, polled"})`, () => {
  it("the second process denies within 1 s of the revocation committing through the first", async () => {
    const pdpA = a as PdpProcess;
    const pdpB = b as PdpProcess;
    // Both processes know every probe agent.
    for (const url of [pdpA.url, pdpB.url]) {
      for (let tries = 0; ; tries++) {
        const { json } = await post(url, "/v1/authorize", agentRequest(probe(ROUNDS - 1)));
        if (json.decision === "allow") break;
        if (tries > 200) throw new Error(`probe agents never reached ${url}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    const delays: number[] = [];
    const pollMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const request = agentRequest(probe(i));
      expect(await allowedBy(pdpB.url, request)).toBe(true);
      let committedAt = Number.NaN;
      let deniedAt = Number.NaN;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const t = performance.now();
          const { json } = await post(pdpB.url, "/v1/authorize", request);
          pollMs.push(performance.now() - t);
          // Only the revocation's deny counts.
          if (json.decision === "deny" && json.reasons?.[0]?.code === "principal_revoked") {
            deniedAt = performance.now();
            return;
          }
        }
      })();
      const revoked = await post(pdpA.url, "/v1/revocations", {
        target: { type: "Agent", id: probe(i) },
        reason: "propagation test",
      });
      committedAt = performance.now();
      expect(revoked.status).toBe(201);
      const timeout = setTimeout(() => {
        polling = false;
      }, 5_000);
      await poller;
      clearTimeout(timeout);
      polling = false;
      expect(Number.isNaN(deniedAt), `process B never denied ${probe(i)}`).toBe(false);
      // B may deny before A's answer reaches us: that counts as no delay.
      delays.push(Math.max(0, deniedAt - committedAt));
    }

    const sorted = [...delays].sort((x, y) => x - y);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(
      `revocation propagation over ${ROUNDS} rounds (${testEnv.DATABASE_URL ? "postgres" : "pglite"}): ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(sorted.at(-1) as number).toFixed(1)} ms ` +
        `(an upper bound: it includes the deny's own round trip to B, avg ${(pollMs.reduce((x, y) => x + y, 0) / pollMs.length).toFixed(1)} ms)`,
    );
    expect(p99).toBeLessThan(1_000);
  });
});
