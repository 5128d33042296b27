// Issue 13, item 4: signing in to the admin app through the firm's OpenID Connect provider, end to
// end in Chromium against a real provider (oidc-provider, in this process, on a loopback port).
import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { AdminApp } from "@pea/admin";
import Provider from "oidc-provider";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAdmin, type TestAdmin } from "../admin/support.js";
import { launchBrowser, shoot } from "./browser.js";

let admin: TestAdmin;
let adminServer: Server;
let providerServer: Server;
let browser: Browser;
let adminUrl: string;
let issuer: string;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
};

/** The provider's accounts: a login name and the e-mail it vouches for (verified or not). */
const accounts: Record<string, { email: string; verified: boolean }> = {
  "carol.diaz": { email: "carol@meridian.example", verified: true },
  mallory: { email: "mallory@elsewhere.example", verified: true },
  unverified: { email: "alice@meridian.example", verified: false },
};

beforeAll(async () => {
  // The app's address must be known for the provider's client registration, and the provider's
  // for the app's settings: both listen first, then get their handlers.
  adminServer = createServer();
  providerServer = createServer();
  adminUrl = await listen(adminServer);
  issuer = await listen(providerServer);
  const redirectUri = `${adminUrl}/login/oidc/callback`;
  const secret = "a-client-secret-for-the-test-only";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "pea-admin",
        client_secret: secret,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    findAccount: (_ctx, id) => {
      const account = accounts[id] ?? { email: `${id}@unknown.example`, verified: true };
      return {
        accountId: id,
        claims: () => ({ sub: id, email: account.email, email_verified: account.verified }),
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    cookies: { keys: ["a-cookie-key-for-the-test-only"] },
  });
  providerServer.on("request", provider.callback());
  admin = await startTestAdmin({
    extra: {
      oidc: { issuer, clientId: "pea-admin", clientSecret: secret, redirectUri, claim: "email", name: "Meridian SSO" },
    },
  });
  adminServer.on("request", getRequestListener((admin.app as AdminApp).fetch));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => adminServer?.close(r));
  await new Promise((r) => providerServer?.close(r));
  await admin?.close();
});

/** Click "Sign in with Meridian SSO", sign in at the provider as `login`, consent; where do we land? */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.goto(`${adminUrl}/people`);
  await page.getByRole("link", { name: "Sign in with Meridian SSO" }).click();
  await page.waitForURL((url) => url.origin !== adminUrl);
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any password the test provider accepts");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  // Back at the app: on /people when signed in, on the callback's refusal page when not.
  await page.waitForURL((url) => url.origin === adminUrl);
  await page.waitForLoadState();
}

const audit = (action: string) =>
  admin.pdp.database.query<{ record: { target: string; detail: Record<string, unknown> } }>(
    "SELECT record FROM audit_log WHERE record->>'action' = $1 ORDER BY seq",
    [action],
  );

describe("sign-in through the firm's OpenID provider", () => {
  it("lands signed in as the PEA user whose e-mail the provider vouches for", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAtProvider(page, "carol.diaz");
    expect(new URL(page.url()).pathname).toBe("/people");
    expect(await page.getByTestId("signed-in-user").textContent()).toBe("carol");
    await shoot(page, "oidc-01-signed-in");
    const [opened] = (await audit("session.open")).filter((r) => r.record.target === "User::carol");
    expect(opened?.record.detail.via).toMatch(/^oidc:http:\/\/127\.0\.0\.1:\d+$/);
    await context.close();
  });

  it("refuses an identity no PEA user has, and one whose e-mail is not verified", async () => {
    for (const login of ["mallory", "unverified"]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInAtProvider(page, login);
      expect(new URL(page.url()).pathname).toBe("/login/oidc/callback");
      expect(await page.getByTestId("login-error").textContent()).toMatch(/^Not signed in: no PEA user has email /);
      expect(await page.getByTestId("signed-in-user").count()).toBe(0);
      expect((await page.goto(`${adminUrl}/people`))?.url()).toMatch(/\/login\?next=/);
      await context.close();
    }
    const failed = (await audit("signin.failed")).filter((r) => r.record.detail.via === "oidc");
    expect(failed.map((r) => r.record.detail.subject)).toEqual(["mallory@elsewhere.example", "alice@meridian.example"]);
  });

  it("refuses an answer whose state was tampered with", async () => {
    // A sign-in started for real (its flow cookie, the provider's state), answered with another state.
    const start = await fetch(`${adminUrl}/login/oidc`, { redirect: "manual" });
    expect(start.status).toBe(302);
    const toProvider = new URL(start.headers.get("location") ?? "");
    expect(toProvider.origin).toBe(issuer);
    expect(toProvider.searchParams.get("code_challenge_method")).toBe("S256");
    const flowCookie = (start.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const state = toProvider.searchParams.get("state");
    const res = await fetch(`${adminUrl}/login/oidc/callback?code=stolen-code&state=${state}x`, {
      headers: { cookie: flowCookie },
      redirect: "manual",
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/Not signed in: the identity provider&#39;s answer was refused/);
    expect(res.headers.get("set-cookie") ?? "").not.toMatch(/pea_admin_session=[^;]/);
  });

  it("answers a callback that was never started here with a refusal, not a session", async () => {
    const res = await fetch(`${adminUrl}/login/oidc/callback?code=forged&state=forged`, { redirect: "manual" });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie") ?? "").not.toMatch(/pea_admin_session=[^;]/);
  });

  it("shows no provider button when none is configured", async () => {
    const plain = await startTestAdmin();
    try {
      expect(await (await plain.app.request("/login")).text()).not.toMatch(/\/login\/oidc|oidc-sign-in/);
      expect((await plain.app.request("/login/oidc")).status).not.toBe(302);
    } finally {
      await plain.close();
    }
  });
});
