// GET /v1/audit, GET /v1/runs/{id}/lineage and `pea audit verify|checkpoint|export`.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import { createApiKey } from "@pea/policy-store";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { testEnv } from "../support/env.js";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { openTestStore, startTestPdp, type TestPdp, type TestStore } from "../support/store.js";

let pdp: TestPdp | undefined;
let store: TestStore | undefined;
afterEach(async () => {
  await pdp?.close();
  await store?.close();
  pdp = undefined;
  store = undefined;
});

type Entry = { seq: number; record: Record<string, unknown> };

describe("GET /v1/audit", () => {
  it("filters by decision, reason, principal, time and run, pages by seq, and needs the audit scope", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    for (let i = 0; i < 3; i++) await client.authorize(stories.readResearch);
    for (let i = 0; i < 2; i++) await client.authorize(stories.readDealDb);
    await client.authorize(stories.exportClientsDirectly);

    const denies = await client.call("GET", "/v1/audit?decision=deny&reason=barrier");
    expect(denies.status).toBe(200);
    expect((denies.json.entries as Entry[]).map((e) => e.record.resource)).toEqual([
      "Dataset::deal-db",
      "Dataset::deal-db",
    ]);
    const alice = await client.call("GET", "/v1/audit?principal=User::alice&kind=decision");
    expect(alice.json.entries as Entry[]).toHaveLength(1);

    // Newest first by default, paged towards older entries with `before`.
    const seen: number[] = [];
    let before: number | undefined;
    do {
      const page = await client.call("GET", `/v1/audit?kind=decision&limit=4${before ? `&before=${before}` : ""}`);
      seen.push(...(page.json.entries as Entry[]).map((e) => e.seq));
      before = page.json.older as number | undefined;
    } while (before !== undefined);
    expect(seen).toHaveLength(6);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await client.call("GET", `/v1/audit?since=${future}`)).json.entries).toEqual([]);
    expect((await client.call("GET", "/v1/audit?reason=not_a_reason")).status).toBe(400);
    expect((await client.call("GET", "/v1/audit?limit=100000")).status).toBe(400);

    const { key } = await createApiKey(pdp.database, { kind: "gateway", name: "agent-runtime", scopes: ["authorize"] });
    await pdp.engine.keys.reload();
    const forbidden = await client.call("GET", "/v1/audit", undefined, { authorization: `Bearer ${key}` });
    expect(forbidden.status).toBe(403);
  }, 120_000);
});

describe("GET /v1/runs/{id}/lineage", () => {
  it("rebuilds a run: delegation, every decision in order, outcomes and supervision", async () => {
    pdp = await startTestPdp();
    const client = pdpClient(pdp);
    const started = await client.call("POST", "/v1/runs", {
      principal: stories.readResearch.principal,
      chain: stories.readResearch.chain,
      intent: stories.readResearch.intent,
    });
    expect(started.status).toBe(201);
    const run = started.json.id as string;
    const allowed = await client.authorize({ ...stories.readResearch, run });
    expect(allowed.json.decision).toBe("allow");
    const denied = await client.authorize({ ...stories.readDealDb, run });
    expect(denied.json.decision).toBe("deny");
    await client.authorize(stories.readResearch); // not in the run
    expect(
      (await client.call("POST", `/v1/decisions/${allowed.json.decisionId}/outcome`, { status: "executed" })).status,
    ).toBe(201);
    expect((await client.call("POST", `/v1/runs/${run}/pause`, { reason: "review" })).status).toBe(200);

    const { status, json } = await client.call("GET", `/v1/runs/${run}/lineage`);
    expect(status).toBe(200);
    expect(json.delegation).toEqual({
      chain: ["User::alice"],
      principal: "Agent::research-assistant",
      intent: "market-research-report",
      startedBy: expect.any(String),
    });
    const events = json.events as Array<{ kind: string; what: string; seq: number; record: Record<string, unknown> }>;
    expect(events.map((e) => e.what)).toEqual(["run.start", "allow", "deny", "decision.outcome", "run.pause"]);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events[1]?.record.decisionId).toBe(allowed.json.decisionId);
    expect(json.decisions).toEqual({ total: 2, allowed: 1, denied: 1 });
    expect((json.outcomes as unknown[]).length).toBe(1);

    expect((await client.call("GET", "/v1/runs/run_nope/lineage")).status).toBe(404);
    const { key } = await createApiKey(pdp.database, { kind: "admin", name: "runner", scopes: ["runs"] });
    await pdp.engine.keys.reload();
    expect(
      (await client.call("GET", `/v1/runs/${run}/lineage`, undefined, { authorization: `Bearer ${key}` })).status,
    ).toBe(403);
  }, 120_000);
});

describe("pea audit", () => {
  it("verifies, exports, checkpoints, and names the first bad seq after tampering", async () => {
    store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const dataDir = await mkdtemp(join(tmpdir(), "pea-audit-cli-"));
    const env = store?.url ? { DATABASE_URL: store.url } : { PEA_DATA_DIR: dataDir };
    expect((await runCli(["seed", "demo"], env)).code).toBe(0);
    expect((await runCli(["keys", "create", "--name", "one", "--gateway"], env)).code).toBe(0);
    expect((await runCli(["keys", "create", "--name", "two", "--gateway"], env)).code).toBe(0);

    const verified = await runCli(["audit", "verify"], env);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.out).toMatch(/audit log intact: \d+ records/);

    const exported = await runCli(["audit", "export", "--since", "1h"], env);
    expect(exported.code).toBe(0);
    const lines = exported.out.split("\n").map((l) => JSON.parse(l) as Entry & { hash: string });
    const actions = lines.map((l) => l.record.action);
    expect(actions).toContain("seed.apply");
    expect(actions.slice(-2)).toEqual(["api_key.create", "api_key.create"]);
    const last = lines.length;
    expect(verified.out).toContain(`intact: ${last} records`);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);

    const file = join(dataDir, "checkpoint.json");
    const checkpoint = await runCli(["audit", "checkpoint", "--out", file], env);
    expect(checkpoint.code).toBe(0);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ type: "pea.audit.checkpoint", seq: last });
    expect((await runCli(["audit", "verify", "--checkpoint", file], env)).out).toMatch(
      /2 signed checkpoint\(s\) matched/,
    );
    // A checkpoint at an earlier seq signs the hash the log holds there; a seq beyond the log is refused.
    const earlier = join(dataDir, "checkpoint-2.json");
    expect((await runCli(["audit", "checkpoint", "--seq", "2", "--out", earlier], env)).code).toBe(0);
    expect(JSON.parse(await readFile(earlier, "utf8"))).toMatchObject({ seq: 2, hash: lines[1]?.hash });
    const beyond = await runCli(["audit", "checkpoint", "--seq", String(last + 5)], env);
    expect(beyond.code).toBe(1);
    expect(beyond.err).toContain(`seq ${last + 5} is not in the verified log`);

    // A superuser removes the last record and rewinds the head: only the exported checkpoint knows.
    const db = await openDatabase(resolveDatabaseTarget({ databaseUrl: store?.url, dataDir }));
    await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL session_replication_role = replica");
      await tx.exec(`DELETE FROM audit_log WHERE seq = ${last}`);
      await tx.exec("DELETE FROM audit_checkpoints");
      await tx.exec(
        `UPDATE audit_head SET seq = ${last - 1}, hash = (SELECT hash FROM audit_log WHERE seq = ${last - 1})`,
      );
    });
    await db.close();
    expect((await runCli(["audit", "verify"], env)).code).toBe(0);
    const caught = await runCli(["audit", "verify", "--checkpoint", file], env);
    expect(caught.code).toBe(1);
    expect(caught.err).toContain(`first bad seq ${last} (truncated)`);

    expect((await runCli(["audit", "export"], env)).code).toBe(2);
    expect((await runCli(["audit", "nonsense"], env)).code).toBe(2);
  }, 120_000);
});
