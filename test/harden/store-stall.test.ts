// A stalled (not dead) store: every decision is still answered within its deadline, as a deny
// store_unavailable, /readyz says 503 while the store misses its probe, and allows resume when the
// store does. Postgres: a private cluster paused with SIGSTOP under a real PDP process (never the
// shared server), and a lock held by another session. Embedded store: a transaction held open by
// another holder of the one PGlite session.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { pdpClient } from "../support/http.js";
import { keyFromCli } from "../support/keys.js";
import { type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.js";
import { type PdpProcess, startPdpProcess, stopPdpProcess } from "../support/process.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp, waitFor } from "../support/store.js";

const KEY = "pea_stalltest01.abcdefghijklmnopqrstuvwxyz0123456789";
const DEADLINE_MS = 2000; // the shipped default (PEA_DECISION_DEADLINE_MS)
const PROBE_MS = 1000; // the shipped default (PEA_READY_PROBE_TIMEOUT_MS)
// Timers on a loaded 2-core machine fire late: what "within the deadline" may exceed it by.
const SLACK_MS = 2000;
const CONCURRENT = 120;

type Answer = { status: number; ms: number; decision?: string; decisionId?: string; reasons?: Array<{ code: string }> };

/** `n` concurrent decisions, each timed from its own send. */
async function wave(ask: () => Promise<{ status: number; json: Record<string, unknown> }>, n: number) {
  return Promise.all(
    Array.from({ length: n }, async (): Promise<Answer> => {
      const started = performance.now();
      const { status, json } = await ask();
      return { status, ms: performance.now() - started, ...(json as Omit<Answer, "status" | "ms">) };
    }),
  );
}

/** Every answer a 200 deny store_unavailable within the deadline (plus slack); the slowest, in ms. */
function expectDeniedInTime(answers: Answer[]): number {
  for (const a of answers) {
    expect(a.status).toBe(200);
    expect(a.decision).toBe("deny");
    expect(a.reasons?.[0]?.code).toBe("store_unavailable");
  }
  const slowest = Math.max(...answers.map((a) => a.ms));
  expect(slowest).toBeLessThan(DEADLINE_MS + SLACK_MS);
  return slowest;
}

/** Each answered deny is recorded as such, and is its decision's last word in the log. */
async function expectDeniesRecorded(query: (sql: string, params: unknown[]) => Promise<unknown[]>, ids: string[]) {
  await waitFor(async () => {
    const rows = (await query(
      "SELECT DISTINCT ON (ref) ref, decision FROM audit_log WHERE ref = ANY($1) ORDER BY ref, seq DESC",
      [ids],
    )) as Array<{ ref: string; decision: string }>;
    return rows.length === ids.length && rows.every((r) => r.decision === "deny");
  }, 15_000);
}

describe("a paused Postgres (a private cluster on either store run, SIGSTOP)", () => {
  let cluster: PrivatePostgres | undefined;
  let pdp: PdpProcess | undefined;
  let aliceKey = "";
  afterAll(async () => {
    await stopPdpProcess(pdp);
    await cluster?.stop();
  });

  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${pdp?.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      // alice's own key for her assistant's decisions (the bootstrap key speaks for nobody).
      headers: { authorization: `Bearer ${aliceKey || KEY}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };

  it(`${CONCURRENT} concurrent decisions: all deny store_unavailable within the deadline, /readyz 503, allows resume`, {
    timeout: 240_000,
  }, async () => {
    cluster = await startPrivatePostgres();
    pdp = await startPdpProcess({
      DATABASE_URL: cluster.url,
      PEA_BOOTSTRAP_API_KEY: KEY,
      PEA_DECISION_DEADLINE_MS: String(DEADLINE_MS),
    });
    aliceKey = await keyFromCli({ DATABASE_URL: cluster.url }, ["--user", "alice"]);
    expect((await call("/v1/authorize", stories.readResearch)).json.decision).toBe("allow");
    expect((await call("/readyz")).status).toBe(200);

    cluster.pause();
    try {
      const first = await wave(() => call("/v1/authorize", stories.readResearch), CONCURRENT);
      const slowest = expectDeniedInTime(first);
      const ready = await call("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.text).toContain("no answer to a probe");
      // Still stalled, with the pool's connections stuck: later decisions are no slower.
      const second = await wave(() => call("/v1/authorize", stories.readResearch), CONCURRENT);
      const slowestLater = expectDeniedInTime(second);
      console.log(
        `stall: ${CONCURRENT}+${CONCURRENT} decisions denied, slowest ${Math.round(slowest)} / ${Math.round(slowestLater)} ms (deadline ${DEADLINE_MS} ms)`,
      );
      const metrics = (await call("/metrics")).text;
      const counted = Number(/pea_fail_closed_total\{cause="store_unavailable"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(counted).toBeGreaterThanOrEqual(2 * CONCURRENT);

      cluster.resume();
      const resumed = performance.now();
      await waitFor(async () => (await call("/v1/authorize", stories.readResearch)).json.decision === "allow", 15_000);
      console.log(`stall: first allow ${Math.round(performance.now() - resumed)} ms after SIGCONT`);
      await waitFor(async () => (await call("/readyz")).status === 200, 10_000);

      const reader = new pg.Client({ connectionString: cluster.url });
      await reader.connect();
      try {
        const ids = [...first, ...second].map((a) => a.decisionId as string);
        await expectDeniesRecorded(async (sql, params) => (await reader.query(sql, params)).rows, ids);
      } finally {
        await reader.end();
      }
    } finally {
      cluster.resume();
    }
  });
});

describe("a store held by another session", () => {
  let pdp: TestPdp | undefined;
  afterAll(async () => pdp?.close());

  it(`${CONCURRENT} concurrent decisions behind a held ${storeKind === "postgres" ? "row lock" : "PGlite transaction"}: denied within the deadline, allowed once released`, {
    timeout: 120_000,
  }, async () => {
    pdp = await startTestPdp({ decisionDeadlineMs: DEADLINE_MS });
    const client = pdpClient(pdp, { readyProbeMs: PROBE_MS });
    expect((await client.authorize(stories.readResearch)).json.decision).toBe("allow");

    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: Promise<unknown>;
    let blocker: pg.Client | undefined;
    if (pdp.url) {
      // Another session holds the audit chain's head: every decision's write waits on it.
      blocker = new pg.Client({ connectionString: pdp.url });
      await blocker.connect();
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE");
      holding = released.then(() => blocker?.query("COMMIT"));
    } else {
      // The one embedded session is busy in another holder's transaction (as a process served
      // through the embedded socket would be): every statement of the PDP waits for it.
      let inside = () => {};
      const entered = new Promise<void>((resolve) => {
        inside = resolve;
      });
      holding = pdp.database.transaction(async (tx) => {
        await tx.query("SELECT 1");
        inside();
        await released;
      });
      await entered;
    }
    try {
      const answers = await wave(() => client.authorize(stories.readResearch), CONCURRENT);
      const slowest = expectDeniedInTime(answers);
      console.log(`held ${storeKind}: ${CONCURRENT} decisions denied, slowest ${Math.round(slowest)} ms`);
      // A lock on one row leaves the store answering; a held embedded session does not.
      expect((await client.call("GET", "/readyz")).status).toBe(storeKind === "postgres" ? 200 : 503);
      expect((await client.call("GET", "/metrics")).text).toMatch(
        /pea_fail_closed_total\{cause="store_unavailable"\} [1-9]/,
      );
      release();
      await holding;
      await waitFor(async () => (await client.authorize(stories.readResearch)).json.decision === "allow", 10_000);
      expect((await client.call("GET", "/readyz")).status).toBe(200);
      const database = pdp.database;
      await expectDeniesRecorded(
        (sql, params) => database.query(sql, params),
        answers.map((a) => a.decisionId as string),
      );
    } finally {
      release();
      await blocker?.end();
    }
  });
});
