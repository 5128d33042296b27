import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import type { AdminApp } from "@pea/admin";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium (apt-get install chromium; .ci/run installs it). Never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";
export const screenshotDir = join(process.cwd(), "test-output", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // Fail loudly: a browser test that cannot run must not pass by skipping.
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (bash .ci/run does it)`);
  }
  await mkdir(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-gpu",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Serve the admin app on a loopback port, as `npm start` does. */
export async function serveAdmin(app: AdminApp): Promise<{ url: string; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function shoot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function signInUi(page: Page, baseUrl: string, user: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("User", { exact: true }).fill(user);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** On the SoD page: open "Bring someone over the wall", fill in what is given, and press "Grant crossing". */
export async function grantCrossingUi(
  page: Page,
  crossing: { person: string; issuer: string; reason: string; minutes?: string },
): Promise<void> {
  await page.getByText("Bring someone over the wall").click();
  await page.getByLabel("Person").selectOption(crossing.person);
  await page.getByLabel("Issuer").fill(crossing.issuer);
  await page.getByLabel("Reason").fill(crossing.reason);
  if (crossing.minutes !== undefined) await page.getByLabel("For (minutes)").fill(crossing.minutes);
  await page.getByRole("button", { name: "Grant crossing" }).click();
}

/** Every visible form control has an accessible label (a cheap, strict screen-reader check). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => (el as HTMLInputElement).type !== "hidden")
      .filter((el) => {
        const input = el as HTMLInputElement;
        return (input.labels?.length ?? 0) === 0 && !input.getAttribute("aria-label");
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}
