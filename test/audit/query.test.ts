// Reading the audit log as the console does: newest first, time ranges (ISO or 10m/24h), filters,
// cursor pages both ways; the overview's counts; and typos refused (revocation or crossing of
// something the store does not hold). On PGlite, and on Postgres with DATABASE_URL.
import { fillAuditLog } from "@pea/bench/audit-fill";
import { consoleOverview, createApiKey, decisionsPerHour, queryAudit, verifyAuditLog } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

type Entry = { seq: number; time: string; record: Record<string, unknown> };

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
const FILLED = 3_000;

beforeAll(async () => {
  pdp = await startTestPdp();
  client = pdpClient(pdp);
  // 3,000 records over the last 48 hours, then a few real decisions now.
  await fillAuditLog(pdp.database, { count: FILLED, hours: 48 });
  for (let i = 0; i < 3; i++) await client.authorize(stories.readResearch);
  await client.authorize(stories.readDealDb);
}, 180_000);
afterAll(async () => {
  await pdp?.close();
});

const get = async (path: string) => {
  const res = await client.call("GET", path);
  return { ...res, entries: (res.json.entries ?? []) as Entry[] };
};
const order = (entries: Entry[]) => entries.map((e) => [e.time, e.seq] as const);
const newestFirst = (entries: Entry[]) =>
  order(entries).every(
    ([t, s], i, all) =>
      i === 0 ||
      (all[i - 1] as readonly [string, number])[0] > t ||
      ((all[i - 1] as readonly [string, number])[0] === t && (all[i - 1] as readonly [string, number])[1] > s),
  );

describe("GET /v1/audit at scale", () => {
  it("answers newest first: the first entry is the decision just made", async () => {
    const page = await get("/v1/audit?limit=5");
    expect(page.status).toBe(200);
    expect(page.entries).toHaveLength(5);
    expect(page.entries[0]?.record).toMatchObject({ decision: "deny", resource: "Dataset::deal-db" });
    expect(newestFirst(page.entries)).toBe(true);
    expect(page.json.older).toBe(page.entries[4]?.seq);
    expect(page.json.newer).toBeUndefined();
  });

  it("pages both ways with before/after and never repeats or skips an entry", async () => {
    const seen: number[] = [];
    const pages: Entry[][] = [];
    let before: number | undefined;
    for (let i = 0; i < 4; i++) {
      const page = await get(`/v1/audit?kind=decision&limit=50${before !== undefined ? `&before=${before}` : ""}`);
      pages.push(page.entries);
      seen.push(...page.entries.map((e) => e.seq));
      before = page.json.older as number;
    }
    expect(new Set(seen).size).toBe(200);
    // From page 3, `newer` leads back to exactly page 2.
    const third = await get(`/v1/audit?kind=decision&limit=50&before=${pages[1]?.at(-1)?.seq}`);
    expect(third.entries.map((e) => e.seq)).toEqual(pages[2]?.map((e) => e.seq));
    const back = await get(`/v1/audit?kind=decision&limit=50&after=${third.json.newer}`);
    expect(back.entries.map((e) => e.seq)).toEqual(pages[1]?.map((e) => e.seq));
    expect(back.json.newer).toBe(pages[1]?.[0]?.seq);
    expect(back.json.older).toBe(pages[1]?.at(-1)?.seq);
    // Oldest first from the start of the log.
    // Oldest first from the start of the log (the filled records are back-dated: 48 hours ago).
    const oldest = await get("/v1/audit?order=oldest&limit=3");
    const times = oldest.entries.map((e) => new Date(e.time).getTime());
    expect(times[0]).toBeLessThan(Date.now() - 47 * 3_600_000);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(oldest.json.older).toBeUndefined();
    expect(oldest.json.newer).toBe(oldest.entries[2]?.seq);
    // The whole log, walked oldest first through `newer`, is every record once.
    const total = FILLED + 4;
    const all: number[] = [];
    let after: number | undefined;
    do {
      const page = await get(`/v1/audit?order=oldest&limit=500${after !== undefined ? `&after=${after}` : ""}`);
      all.push(...page.entries.map((e) => e.seq));
      after = page.json.newer as number | undefined;
    } while (after !== undefined);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(total);
  });

  it("takes time bounds as ISO or as a look-back (10m, 24h), like the CLI", async () => {
    const recent = await get("/v1/audit?since=10m&kind=decision&limit=500");
    expect(recent.status).toBe(200);
    // The 3,000 filled records end now; 10 minutes hold about 10 of them plus the 4 real ones.
    const cutoff = Date.now() - 10 * 60_000 - 5_000;
    expect(recent.entries.every((e) => new Date(e.time).getTime() >= cutoff)).toBe(true);
    expect(recent.entries.length).toBeGreaterThanOrEqual(4);
    const day = await get("/v1/audit?since=24h&until=23h&limit=500");
    expect(day.entries.length).toBeGreaterThan(30);
    for (const e of day.entries) {
      const t = new Date(e.time).getTime();
      expect(t).toBeGreaterThanOrEqual(Date.now() - 24 * 3_600_000 - 5_000);
      expect(t).toBeLessThan(Date.now() - 23 * 3_600_000 + 5_000);
    }
    const iso = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await get(`/v1/audit?since=${iso}`)).status).toBe(200);
    for (const bad of ["since=10x", "since=yesterday", "until=-5m", "before=1&after=2"]) {
      const res = await get(`/v1/audit?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.json.error?.message, bad).toMatch(/since|until|before/);
    }
  });

  it("filters by decision, deciding reason, principal, run and kind", async () => {
    const rare = await get("/v1/audit?reason=store_unavailable&limit=500");
    expect(rare.entries.length).toBeGreaterThan(0);
    expect(
      rare.entries.every((e) => (e.record.reasons as Array<{ code: string }>)[0]?.code === "store_unavailable"),
    ).toBe(true);
    const barrier = await get("/v1/audit?decision=deny&reason=barrier&limit=20");
    expect(barrier.entries).toHaveLength(20);
    expect(barrier.entries.every((e) => e.record.resource === "Dataset::deal-db")).toBe(true);
    const fetcher = await get("/v1/audit?principal=Agent::web-fetcher&limit=20");
    expect(fetcher.entries.every((e) => e.record.principal === "Agent::web-fetcher")).toBe(true);
    const run = await get("/v1/audit?run=run_fill10&limit=500");
    expect(run.entries.length).toBeGreaterThan(10);
    expect(run.entries.every((e) => e.record.run === "run_fill10")).toBe(true);
    const changes = await get("/v1/audit?kind=change&limit=20");
    expect(changes.entries.every((e) => e.record.type === "change")).toBe(true);
    const allows = await get("/v1/audit?decision=allow&since=1h&limit=500");
    expect(allows.entries.every((e) => e.record.decision === "allow")).toBe(true);
  });

  it("keeps the chain intact: the generator appends exactly as the log does", async () => {
    expect(await verifyAuditLog(pdp.database)).toMatchObject({ ok: true });
  });

  it("counts decisions per hour for the overview, fail-closed denies apart", async () => {
    const now = new Date();
    const hours = await decisionsPerHour(pdp.database, { now });
    expect(hours).toHaveLength(24);
    expect(new Date(hours[23]?.hour as string).getTime()).toBeLessThanOrEqual(now.getTime());
    const totals = hours.reduce((sum, h) => sum + h.allow + Object.values(h.deny).reduce((a, b) => a + b, 0), 0);
    const [row] = await pdp.database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM audit_log WHERE kind = 'decision' AND time >= $1",
      [hours[0]?.hour],
    );
    expect(totals).toBe(Number(row?.n));
    const overview = await consoleOverview(pdp.database, { now });
    expect(overview.decisions.byReason.find((r) => r.reason === "store_unavailable")).toMatchObject({
      failClosed: true,
    });
    expect(overview.decisions.failClosed).toBeGreaterThan(0);
    expect(overview.decisions.byReason.find((r) => r.reason === "barrier")?.failClosed).toBe(false);
    // The direct read agrees with the API.
    const direct = await queryAudit(pdp.database, { limit: 1 });
    expect(direct.entries[0]?.record.resource).toBe("Dataset::deal-db");
  });
});

describe("typos are refused, naming the field", () => {
  it("revoking an agent, run, task, grant or artifact the store does not hold is a 400", async () => {
    for (const target of [
      { type: "Agent", id: "no-such-agent" },
      { type: "Run", id: "run_nope" },
      { type: "Intent", id: "market-research" },
      { type: "Grant", id: "research-assistant/deal-prep" },
      { type: "Artifact", id: "dec_nope" },
      // Shaped like a decision id made now, but no such decision was recorded.
      { type: "Artifact", id: `dec_${Date.now().toString(36)}${"0".repeat(20)}` },
    ]) {
      const res = await client.call("POST", "/v1/revocations", { target, reason: "typo" });
      expect(res.status, target.id).toBe(400);
      expect(res.json.error?.code).toBe("invalid_request");
      expect(res.json.error?.message, target.id).toMatch(/^target\.id: /);
    }
    const [{ n } = { n: 0 }] = await pdp.database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM revocations",
    );
    expect(Number(n)).toBe(0);
    const ok = await client.call("POST", "/v1/revocations", {
      target: { type: "Grant", id: "research-assistant/market-research-report" },
      reason: "rotating the research bot",
    });
    expect(ok.status).toBe(201);
    const listed = await client.call("GET", "/v1/revocations?type=Grant&id=research-assistant/market-research-report");
    expect(listed.json.revocations).toMatchObject([{ target: { type: "Grant" }, reason: "rotating the research bot" }]);
    expect((await client.call("GET", "/v1/revocations?type=Agent")).json.revocations).toEqual([]);
  });

  it("a crossing for an issuer nobody knows ('Acme Corp' when only ACME exists) is a 400 naming issuer", async () => {
    const { key } = await createApiKey(pdp.database, {
      kind: "user",
      name: "carol",
      scopes: ["admin"],
      userId: "carol",
    });
    await pdp.engine.keys.reload();
    const asCarol = { authorization: `Bearer ${key}` };
    const typo = await client.grantCrossing(
      { user: "bob", issuer: "Acme Corp", reason: "pitch", ttlSeconds: 600 },
      asCarol,
    );
    expect(typo.status).toBe(400);
    expect(typo.json.error?.message).toMatch(/^issuer: .*Acme Corp.*known: ACME/);
    const nobody = await client.grantCrossing(
      { user: "bobby", issuer: "ACME", reason: "pitch", ttlSeconds: 600 },
      asCarol,
    );
    expect(nobody.status).toBe(400);
    expect(nobody.json.error?.message).toMatch(/^user: /);
    const granted = await client.grantCrossing(
      { user: "bob", issuer: "ACME", reason: "pitch", ttlSeconds: 600 },
      asCarol,
    );
    expect(granted.status).toBe(201);
  });
});
