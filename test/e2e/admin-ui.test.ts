// The admin app in a real browser (Debian's Chromium via playwright-core): the stories of issue 8,
// each checked against the PDP's next decision. Screenshots of every page: test-output/screenshots.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, signIn, startTestAdmin, type TestAdmin } from "../admin/support.js";
import { pdpClient } from "../support/http.js";
import { initiatePayment, researchAssistantForAlice, stories } from "../support/requests.js";
import { waitFor } from "../support/store.js";
import { grantCrossingUi, launchBrowser, serveAdmin, shoot, signInUi, unlabelledControls } from "./browser.js";

let admin: TestAdmin;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let pdp: ReturnType<typeof pdpClient>;

beforeAll(async () => {
  admin = await startTestAdmin();
  server = await serveAdmin(admin.app);
  browser = await launchBrowser();
  pdp = pdpClient(admin.pdp);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await admin?.close();
});

async function session(
  user: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signInUi(page, server.url, user, DEMO_PASSWORD);
  return { page, context };
}

const decision = async (request: unknown) => {
  const res = await pdp.authorize(request);
  return res.json;
};

describe("signing in", () => {
  it("refuses a wrong password inline, then signs in; every control is labelled", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/people`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("User", { exact: true }).fill("carol");
    await page.getByLabel("Password", { exact: true }).fill("wrong password here");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.getByTestId("login-error").textContent()).toMatch(/Wrong user, password/);
    await shoot(page, "01-login-error");
    expect(await unlabelledControls(page)).toEqual([]);
    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await context.close();
  });
});

describe("carol brings bob over the wall for ACME", () => {
  it("the PDP allows bob's read while the crossing lasts and denies it once revoked", async () => {
    // A research-side note about ACME: bob (private side) is walled off from it.
    const pat = await signIn(admin.app, "pat");
    const put = await pat.put("/api/v1/resources/Dataset/acme-research-notes", {
      attributes: {
        classification: "confidential",
        segment: { __entity: { type: "Segment", id: "research" } },
        issuers: [{ __entity: { type: "Issuer", id: "ACME" } }],
        mnpi: false,
      },
      parents: [{ type: "Segment", id: "research" }],
    });
    expect(put.status).toBe(200);
    const read = {
      principal: { type: "User", id: "bob" },
      action: "dataset:read",
      resource: { type: "Dataset", id: "acme-research-notes" },
    };
    await waitFor(async () => (await decision(read)).reasons?.[0]?.code === "barrier");

    const { page, context } = await session("carol");
    await page.goto(`${server.url}/sod`);
    await grantCrossingUi(page, {
      person: "bob",
      issuer: "ACME",
      reason: "Pitch review for the ACME mandate",
      minutes: "30",
    });
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/bob is over the wall for ACME/);
    await shoot(page, "02-sod-walls-crossing-granted");
    await waitFor(async () => (await decision(read)).decision === "allow");

    // Revoke: the dialog asks first.
    await page.getByTestId("revoke-bob-ACME").click();
    await expect.poll(() => page.locator("dialog#confirm").isVisible()).toBe(true);
    await shoot(page, "03-confirm-revoke-dialog");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/revoked/);
    await waitFor(async () => (await decision(read)).decision === "deny");
    expect((await decision(read)).reasons?.[0]?.code).toBe("barrier");
    await context.close();
  });

  it("carol cannot bring herself over the wall", async () => {
    const { page, context } = await session("carol");
    await page.goto(`${server.url}/sod`);
    await grantCrossingUi(page, { person: "carol", issuer: "ACME", reason: "self" });
    await expect.poll(() => page.getByTestId("crossing-error").textContent()).toMatch(/own entitlements/);
    await context.close();
  });
});

describe("an admin tries to give dave payments-approvers", () => {
  it("is refused with the SoD conflict named, inline", async () => {
    const { page, context } = await session("pat");
    await page.goto(`${server.url}/people/users/dave`);
    await page.getByLabel("Add to").selectOption("Group::payments-approvers");
    await page.getByTestId("grant-membership").click();
    await expect
      .poll(() => page.getByTestId("grant-error").textContent())
      .toMatch(
        /separation of duties: User::dave may not hold both Group::payments-approvers and Group::payments-initiators/,
      );
    await shoot(page, "04-sod-conflict-refused");
    const dave = (await (await signIn(admin.app, "pat")).get("/api/v1/users")).json.users as Array<{
      id: string;
      memberOf: Array<{ id: string }>;
    }>;
    expect(dave.find((u) => u.id === "dave")?.memberOf.map((m) => m.id)).not.toContain("payments-approvers");
    await context.close();
  });
});

describe("erin approves a pending payment", () => {
  it("the payment is allowed once after erin approves it in the queue", async () => {
    const payment = {
      ...initiatePayment("inv-2026-0042", 50_000, "Acme Supplies"),
      context: { amount: 50_000, currency: "EUR", purpose: "invoice 2026-0042" },
    };
    const first = await decision(payment);
    expect(first.decision).toBe("deny");
    const approvalId = (first.obligations as Array<{ approvalId: string }>)[0]?.approvalId as string;
    expect(approvalId).toMatch(/^apr_/);

    // dave holds no admin role: the queue is not his to see, and there is nothing to press.
    const asDave = await session("dave");
    const refused = await asDave.page.goto(`${server.url}/approvals`);
    expect(refused?.status()).toBe(403);
    expect(await asDave.page.locator("main").textContent()).toMatch(/your roles do not allow admin:view/);
    expect(await asDave.page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    await asDave.context.close();

    const { page, context } = await session("erin");
    await page.goto(`${server.url}/approvals`);
    const card = page.getByTestId(`approval-${approvalId}`);
    await expect.poll(() => card.textContent()).toMatch(/payment:initiate/);
    await shoot(page, "05-approvals-queue");
    await card.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => page.getByTestId(`approval-${approvalId}-error`).textContent()).toMatch(/say why/);
    await page.getByTestId(`approval-${approvalId}`).getByLabel("Reason").fill("Invoice matches PO 7731");
    await page.getByTestId(`approval-${approvalId}`).getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/approved/);
    await page.goto(`${server.url}/approvals?status=approved`);
    await shoot(page, "06-approvals-approved");
    const allowed = await decision({ ...payment, approval: approvalId });
    expect(allowed.decision).toBe("allow");
    expect((await decision({ ...payment, approval: approvalId })).decision).toBe("deny");
    await context.close();
  });
});

describe("pausing a run", () => {
  it("denies the run's next decision, and resuming allows it again", async () => {
    const started = await pdp.call("POST", "/v1/runs", {
      ...researchAssistantForAlice,
      purpose: "research",
    });
    expect(started.status).toBe(201);
    const runId = started.json.id as string;
    const inRun = { ...stories.readResearch, run: runId };
    expect((await decision(inRun)).decision).toBe("allow");

    const { page, context } = await session("carol");
    await page.goto(`${server.url}/runs`);
    await page.getByRole("link", { name: runId }).click();
    await page.getByTestId("run-pause").click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("paused");
    const paused = await decision(inRun);
    expect(paused.decision).toBe("deny");
    expect(paused.reasons?.[0]?.code).toBe("run_inactive");
    await page.reload();
    await shoot(page, "07-run-paused-timeline");
    await page.getByTestId("run-resume").click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("active");
    expect((await decision(inRun)).decision).toBe("allow");
    await page.goto(`${server.url}/runs`);
    await shoot(page, "08-runs");
    await page.goto(`${server.url}/audit?run=${runId}`);
    await expect.poll(() => page.locator("#audit tbody tr").count()).toBeGreaterThan(2);
    await shoot(page, "09-audit-run");
    await context.close();
  });
});

describe("forms", () => {
  it("shows a validation error inline, keeping what was typed", async () => {
    const { page, context } = await session("pat");
    await page.goto(`${server.url}/people`);
    await page.getByText("New user").click();
    await page.getByLabel("User id").fill("has spaces");
    await page.getByLabel("Display name").fill("Someone New");
    await page.getByRole("button", { name: "Create user" }).click();
    await expect.poll(() => page.getByTestId("new-user-error").textContent()).toMatch(/^id: must start with a letter/);
    expect(await page.getByLabel("Display name").inputValue()).toBe("Someone New");
    await shoot(page, "11-inline-validation");
    await context.close();
  });

  it("without JavaScript, a destructive action asks on a confirmation page first", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInUi(page, server.url, "pat", DEMO_PASSWORD);
    await page.goto(`${server.url}/people/agents/web-fetcher`);
    await page.getByRole("button", { name: "Suspend" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Suspend web-fetcher?");
    await shoot(page, "12-confirm-page-no-js");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/web-fetcher is now suspended/);
    await page.getByRole("button", { name: "Reactivate" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toMatch(/web-fetcher is now active/);
    await context.close();
  });
});

describe("every page", () => {
  it("renders for an admin at 1280x800 and on a narrow window, with labelled controls", async () => {
    const pages = [
      ["people", "/people"],
      ["user-alice", "/people/users/alice"],
      ["agent-research-assistant", "/people/agents/research-assistant"],
      ["groups", "/groups"],
      ["intents", "/intents"],
      ["resources", "/resources"],
      ["keys", "/keys"],
      ["sod", "/sod"],
      ["approvals", "/approvals?status=all"],
      ["runs", "/runs"],
      ["audit", "/audit?kind=change"],
      ["policies", "/policies"],
    ] as const;
    for (const [viewport, label] of [
      [{ width: 1280, height: 800 }, "wide"],
      [{ width: 390, height: 844 }, "narrow"],
    ] as const) {
      const { page, context } = await session("pat", viewport);
      for (const [name, path] of pages) {
        const res = await page.goto(`${server.url}${path}`);
        expect(res?.status(), path).toBe(200);
        expect(await unlabelledControls(page), path).toEqual([]);
        if (label === "wide" || ["people", "approvals", "runs"].includes(name))
          await shoot(page, `page-${name}-${label}`);
      }
      // Filtering the people table as you type.
      await page.goto(`${server.url}/people`);
      await page.getByLabel("Filter people and agents").fill("payments");
      await expect.poll(() => page.locator("#agents tbody tr:not([hidden])").count()).toBe(1);
      await context.close();
    }
  });

  it("an auditor sees read-only pages: no forms that change anything", async () => {
    const { page, context } = await session("grace");
    for (const path of ["/people", "/groups", "/keys", "/sod"]) {
      await page.goto(`${server.url}${path}`);
      expect(await page.locator("form[method='post']:not([action='/logout'])").count(), path).toBe(0);
    }
    await page.goto(`${server.url}/audit`);
    await shoot(page, "10-auditor-audit");
    await context.close();
  });
});
