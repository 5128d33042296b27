// The console at scale, in Chromium (Debian's, via playwright-core): a store holding 100,000 audit
// records (bench/src/audit-fill.ts, the real chain format), then what a compliance officer does
// first: the overview, its numbers leading to the audit entries behind them, paging both ways,
// a record opened whole, a revocation (a typo refused, a real one shown wherever the agent
// appears and denied by the PDP), and a person's crossings. Screenshots: test-output/screenshots.
import { fillAuditLog } from "@pea/bench/audit-fill";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, startTestAdmin, type TestAdmin } from "../admin/support.js";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { grantCrossingUi, launchBrowser, serveAdmin, shoot, signInUi, unlabelledControls } from "./browser.js";

const RECORDS = 100_000;

let admin: TestAdmin;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let pdp: ReturnType<typeof pdpClient>;
let page: Page;

beforeAll(async () => {
  admin = await startTestAdmin();
  await fillAuditLog(admin.pdp.database, { count: RECORDS, hours: 72, batch: 5_000 });
  pdp = pdpClient(admin.pdp);
  await pdp.authorize(stories.readDealDb); // the newest entry: a barrier deny now
  server = await serveAdmin(admin.app);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Zurich" });
  page = await context.newPage();
  // Signing in lands on the overview.
  await signInUi(page, server.url, "carol", DEMO_PASSWORD);
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await admin?.close();
});

const auditSeqs = () => page.locator("#audit tbody tr th").allTextContents();

describe("the console over 100,000 audit records", { timeout: 180_000 }, () => {
  it("lands on the overview: numbers, the 24-hour chart, fail-closed denies called out", async () => {
    expect(new URL(page.url()).pathname).toBe("/");
    await expect.poll(() => page.getByTestId("decision-chart").count()).toBe(1);
    const denied = Number((await page.getByTestId("figure-deny").locator(".value").textContent())?.replace(/,/g, ""));
    expect(denied).toBeGreaterThan(5_000);
    await expect.poll(() => page.getByTestId("failclosed-alert").textContent()).toMatch(/store_unavailable/);
    // The chart is inline SVG, nothing fetched from elsewhere.
    expect(await page.locator("svg.decision-chart rect.s-failclosed").count()).toBeGreaterThan(0);
    expect(await page.locator("script[src^='http'], link[href^='http']").count()).toBe(0);
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, "20-console-overview");
  });

  it("each number leads to the entries behind it: store_unavailable denies of the last 24 h", async () => {
    await page.getByTestId("deny-store_unavailable").click();
    await page.waitForURL((url) => url.pathname === "/audit");
    const url = new URL(page.url());
    expect(url.searchParams.get("reason")).toBe("store_unavailable");
    expect(url.searchParams.get("since")).toBe("24h");
    const outcomes = await page.locator("#audit tbody tr td:last-child").allTextContents();
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o.includes("store_unavailable"))).toBe(true);
    // Times carry their time zone.
    expect(await page.locator("#audit tbody tr time").first().textContent()).toMatch(/ UTC$/);
    await shoot(page, "21-console-audit-filtered");
  });

  it("shows the newest first and pages both ways; a row opens to the whole record", async () => {
    await page.goto(`${server.url}/audit`);
    const first = (await auditSeqs()).map(Number);
    expect(first).toHaveLength(100);
    // Newest first by time (the filled records are back-dated, so seq alone is not the order here).
    const times = await page
      .locator("#audit tbody tr time")
      .evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime") ?? "")));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The decision just made is among the newest (carol's sign-in came after it), its denying link marked.
    const dealDb = page.locator("#audit tbody tr", { hasText: "Dataset::deal-db" }).first();
    expect(Number(await dealDb.locator("th").textContent())).toBeGreaterThan(RECORDS);
    await expect.poll(() => dealDb.locator(".denying").textContent()).toBe("User::alice");
    await page.getByRole("link", { name: "Older →" }).first().click();
    const second = (await auditSeqs()).map(Number);
    await page.getByRole("link", { name: "Older →" }).first().click();
    const third = (await auditSeqs()).map(Number);
    expect(third.filter((seq) => second.includes(seq))).toEqual([]);
    await page.getByRole("link", { name: "← Newer" }).first().click();
    expect((await auditSeqs()).map(Number)).toEqual(second);
    // Open one decision whole: the request, chain, reasons, artifact or key are all there.
    const row = page.locator("#audit tbody tr").first();
    await row.getByText("Whole record").click();
    const details = await row.locator("details").textContent();
    expect(details).toMatch(/Chain \(outermost first\)/);
    expect(details).toMatch(/API key/);
    expect(details).toMatch(/"request"/);
    await shoot(page, "22-console-audit-expanded");
  });

  it("takes a look-back as the time range, and says when a bound cannot be read", async () => {
    await page.goto(`${server.url}/audit`);
    await page.getByLabel("Since").fill("10m");
    await page.getByLabel("Decision").selectOption("deny");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => url.searchParams.get("since") === "10m");
    const times = await page
      .locator("#audit tbody tr time")
      .evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime") ?? "")));
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((t) => t >= Date.now() - 11 * 60_000)).toBe(true);
    await page.goto(`${server.url}/audit?since=yesterday`);
    await expect.poll(() => page.getByTestId("audit-problem").textContent()).toMatch(/^since: /);
  });

  it("revokes only what exists; a revoked agent shows revoked everywhere, without a Suspend button", async () => {
    await page.goto(`${server.url}/revocations`);
    await page.getByText("Revoke something").click();
    await page.getByLabel("What").selectOption("Agent");
    await page.getByLabel("Id").fill("no-such-agent");
    await page.getByLabel("Reason", { exact: true }).fill("typo");
    await page.getByRole("button", { name: "Revoke", exact: true }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect
      .poll(() => page.locator("#revoke-error").textContent())
      .toMatch(/target\.id: no Agent "no-such-agent"/);

    await page.getByLabel("What").selectOption("Agent");
    await page.getByLabel("Id").fill("web-fetcher");
    await page.getByLabel("Reason", { exact: true }).fill("fetching outside its brief");
    await page.getByRole("button", { name: "Revoke", exact: true }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/web-fetcher revoked/);
    expect(await page.getByTestId("revocation-Agent-web-fetcher").count()).toBe(1);
    await shoot(page, "23-console-revocations");

    await page.goto(`${server.url}/people/agents/web-fetcher`);
    await expect.poll(() => page.getByTestId("agent-revoked").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Suspend" }).count()).toBe(0);
    await page.goto(`${server.url}/people`);
    const row = page.locator("tr", { has: page.getByRole("link", { name: "web-fetcher", exact: true }) });
    expect(await row.locator(".badge").first().textContent()).toBe("revoked");
    // And the PDP agrees.
    const res = await pdp.authorize(stories.subAgentReadsMarketData);
    expect(res.json.reasons?.[0]?.code).toBe("principal_revoked");
  });

  it("a person's page shows the wall crossings they hold", async () => {
    await page.goto(`${server.url}/sod`);
    await grantCrossingUi(page, { person: "bob", issuer: "Acme Corp", reason: "Pitch review", minutes: "30" });
    await expect.poll(() => page.getByTestId("crossing-error").textContent()).toMatch(/issuer: .*known: ACME/);
    await page.getByLabel("Issuer").fill("ACME");
    await page.getByRole("button", { name: "Grant crossing" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/bob is over the wall for ACME/);
    await page.goto(`${server.url}/people/users/bob`);
    await expect.poll(() => page.getByTestId("crossing-ACME").count()).toBe(1);
    await shoot(page, "24-console-person");
  });
});
