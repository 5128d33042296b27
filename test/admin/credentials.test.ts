// Nobody becomes someone else: another person's key or password takes a second administrator,
// both named in the audit log; a reset password must be changed at first sign-in; every change
// names the key it was made with and who created that key.
import { assignMembership, setPassword } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { waitFor } from "../support/store.js";
import {
  client,
  DEMO_PASSWORD,
  serviceKeyRequest,
  signIn,
  startTestAdmin,
  type TestAdmin,
  userKey,
} from "./support.js";

type Client = Awaited<ReturnType<typeof signIn>>;
let admin: TestAdmin;
let pat: Client;
let quinn: Client;

/** Another platform administrator: the demo bank has one (pat); four-eyes needs two. */
async function addAdmin(id: string) {
  const db = admin.pdp.database;
  await db.query("INSERT INTO users (id, display_name) VALUES ($1, $1)", [id]);
  await assignMembership(db, {
    member: { type: "User", id },
    parent: { type: "Group", id: "pea-admins" },
    grantedBy: "test",
  });
  await setPassword(db, id, DEMO_PASSWORD, "test");
}

const changes = async (action: string) =>
  (
    await admin.pdp.database.query<{ record: unknown }>(
      "SELECT record FROM audit_log WHERE kind = 'change' AND record ->> 'action' = $1 ORDER BY seq",
      [action],
    )
  ).map((r) => (typeof r.record === "string" ? JSON.parse(r.record) : r.record) as Record<string, unknown>);

beforeAll(async () => {
  admin = await startTestAdmin();
  await addAdmin("quinn");
  // The same person as pat under another spelling: a distinct entity, never a second pair of eyes.
  await addAdmin("PAT");
  [pat, quinn] = await Promise.all([signIn(admin.app, "pat"), signIn(admin.app, "quinn")]);
});
afterAll(() => admin?.close());

describe("a key bound to another person takes two administrators", () => {
  it("alone it is only a request; the requester, the subject and the requester's other spelling cannot approve it", async () => {
    const asked = await pat.post("/api/v1/keys", { name: "erin-runs", kind: "user", userId: "erin", scopes: ["runs"] });
    expect(asked.status).toBe(202);
    expect(asked.json).toMatchObject({ status: "pending", kind: "api_key", subject: "erin" });
    expect(asked.json.key).toBeUndefined();
    const id = asked.json.requestId as string;
    // Nothing to collect before an approval, and no key was made.
    expect((await pat.post(`/api/v1/credential-requests/${id}/collect`, {})).status).toBe(409);
    const keys = (await pat.get("/api/v1/keys")).json.keys as Array<{ name: string }>;
    expect(keys.map((k) => k.name)).not.toContain("erin-runs");

    const self = await pat.post(`/api/v1/credential-requests/${id}/approve`, {});
    expect(self.status).toBe(409);
    expect(self.json.error?.message).toMatch(/second administrator/);
    const otherSpelling = await signIn(admin.app, "PAT");
    const spelled = await otherSpelling.post(`/api/v1/credential-requests/${id}/approve`, {});
    expect(spelled.status).toBe(409);
    expect(spelled.json.error?.message).toMatch(/second administrator/);
    // The person the key is for may not approve it (erin has no admin role at all).
    const erin = await signIn(admin.app, "erin");
    expect((await erin.post(`/api/v1/credential-requests/${id}/approve`, {})).status).toBe(403);
    const listed = (await quinn.get("/api/v1/credential-requests")).json.requests as Array<{
      id: string;
      status: string;
    }>;
    expect(listed.find((r) => r.id === id)?.status).toBe("pending");
  });

  it("a second administrator approves; only the requester collects the key, once; the audit names both", async () => {
    const asked = await pat.post("/api/v1/keys", { name: "dave-runs", kind: "user", userId: "dave", scopes: ["runs"] });
    const id = asked.json.requestId as string;
    const approved = await quinn.post(`/api/v1/credential-requests/${id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: "approved", decidedBy: "quinn", keyId: null });
    expect(JSON.stringify(approved.json)).not.toMatch(/pea_/);
    // The approver never sees the secret.
    expect((await quinn.post(`/api/v1/credential-requests/${id}/collect`, {})).status).toBe(409);
    const collected = await pat.post(`/api/v1/credential-requests/${id}/collect`, {});
    expect(collected.status).toBe(201);
    const key = collected.json.key as string;
    expect(key).toMatch(/^pea_/);
    expect((await pat.post(`/api/v1/credential-requests/${id}/collect`, {})).status).toBe(409);

    // The key works, as dave (it starts dave's run on the PDP).
    await waitFor(async () => admin.pdp.engine.keys.verify(key)?.userId === "dave");
    const listed = (await pat.get("/api/v1/keys")).json.keys as Array<Record<string, unknown>>;
    expect(listed.find((k) => k.id === collected.json.id)).toMatchObject({
      kind: "user",
      userId: "dave",
      createdBy: "User::pat",
    });
    const [created] = (await changes("api_key.create")).filter((r) => r.target === `ApiKey::${collected.json.id}`);
    expect(created).toMatchObject({
      actor: "User::pat",
      detail: { requestId: id, requestedBy: "User::pat", approvedBy: "User::quinn", user: "dave" },
    });
    const [approval] = (await changes("credential_request.approve")).filter(
      (r) => r.target === `CredentialRequest::${id}`,
    );
    expect(approval).toMatchObject({ actor: "User::quinn", detail: { requestedBy: "User::pat" } });
  });

  it("a refused request cannot be approved or collected", async () => {
    const asked = await pat.post("/api/v1/keys", { name: "bob-x", userId: "bob", scopes: ["authorize"] });
    const id = asked.json.requestId as string;
    expect((await quinn.post(`/api/v1/credential-requests/${id}/reject`, {})).status).toBe(200);
    expect((await quinn.post(`/api/v1/credential-requests/${id}/approve`, {})).status).toBe(409);
    expect((await pat.post(`/api/v1/credential-requests/${id}/collect`, {})).status).toBe(409);
  });

  it("service and gateway keys are made at once, and record who made them; one's own key is never a request", async () => {
    const service = await pat.post(
      "/api/v1/keys",
      serviceKeyRequest("ra-runtime", ["research-assistant"], ["authorize", "runs"]),
    );
    expect(service.status).toBe(201);
    expect(service.json.key).toMatch(/^pea_/);
    const gateway = await pat.post("/api/v1/keys", { name: "mcp", kind: "gateway", scopes: ["authorize"] });
    expect(gateway.status).toBe(201);
    const listed = (await pat.get("/api/v1/keys")).json.keys as Array<Record<string, unknown>>;
    expect(listed.find((k) => k.id === service.json.id)).toMatchObject({
      kind: "service",
      agents: ["research-assistant"],
      userId: null,
      createdBy: "User::pat",
    });
    expect(listed.find((k) => k.id === gateway.json.id)).toMatchObject({ kind: "gateway", createdBy: "User::pat" });
    // A binding that names nothing known, or the wrong shape for the kind, is a 400.
    const unknownAgent = await pat.post("/api/v1/keys", serviceKeyRequest("x", ["nope"], ["runs"]));
    expect(unknownAgent.status).toBe(400);
    expect(
      (await pat.post("/api/v1/keys", { name: "x", kind: "gateway", userId: "bob", scopes: ["runs"] })).status,
    ).toBe(400);
    // One's own key is decided at once by the admin policies (which keep admins from minting their own).
    const own = await pat.post("/api/v1/keys", { name: "mine", kind: "user", userId: "pat", scopes: ["runs"] });
    expect(own.status).toBe(403);
  });
});

describe("another person's password takes two administrators, and must be changed at first sign-in", () => {
  it("alone it is a request; approved by a second administrator it is set, and its session can only change it", async () => {
    const asked = await pat.put("/api/v1/users/bob/password", { password: "a temporary passphrase" });
    expect(asked.status).toBe(202);
    expect(asked.json).toMatchObject({ status: "pending", kind: "password", subject: "bob" });
    // Not set yet: bob's own password still works, the requested one does not.
    await expect(signIn(admin.app, "bob", "a temporary passphrase")).rejects.toThrow(/401/);
    const id = asked.json.requestId as string;
    expect((await pat.post(`/api/v1/credential-requests/${id}/approve`, {})).status).toBe(409);
    expect((await quinn.post(`/api/v1/credential-requests/${id}/approve`, {})).status).toBe(200);
    await expect(signIn(admin.app, "bob")).rejects.toThrow(/401/);
    const set = (await changes("account.password_set")).filter((r) => r.target === "User::bob").at(-1);
    expect(set).toMatchObject({
      actor: "User::quinn",
      detail: { requestId: id, requestedBy: "User::pat", approvedBy: "User::quinn", mustChange: true },
    });

    // The first sign-in with it can do nothing but change it.
    const bob = await signIn(admin.app, "bob", "a temporary passphrase");
    const info = await bob.get("/api/v1/session");
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ user: "bob", mustChangePassword: true, allowed: [] });
    const blocked = await bob.get("/api/v1/users");
    expect(blocked.status).toBe(403);
    expect(blocked.json.error?.message).toMatch(/change the password/);
    expect(
      (await bob.put("/api/v1/session/password", { current: "nope", password: "bob's own passphrase" })).status,
    ).toBe(400);
    const changed = await bob.put("/api/v1/session/password", {
      current: "a temporary passphrase",
      password: "bob's own passphrase",
    });
    expect(changed.status).toBe(200);
    const after = await signIn(admin.app, "bob", "bob's own passphrase");
    expect((await after.get("/api/v1/session")).json.mustChangePassword).toBe(false);
  });

  it("the UI sends such a session to the password page and nowhere else", async () => {
    const asked = await pat.put("/api/v1/users/alice/password", { password: "alice temporary 1" });
    await quinn.post(`/api/v1/credential-requests/${asked.json.requestId}/approve`, {});
    const login = await admin.app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ user: "alice", password: "alice temporary 1", next: "/people" }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/account/password");
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const people = await admin.app.request("/people", { headers: { cookie } });
    expect(people.status).toBe(303);
    expect(people.headers.get("location")).toBe("/account/password");
    const page = await admin.app.request("/account/password", { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("with a password an administrator set");
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1] as string;
    const change = (current: string) =>
      admin.app.request("/account/password", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf, current, password: "alice's own passphrase" }).toString(),
      });
    expect((await change("not it")).status).toBe(422);
    const done = await change("alice temporary 1");
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Your password was changed");
    const again = await signIn(admin.app, "alice", "alice's own passphrase");
    expect((await again.get("/api/v1/session")).json.mustChangePassword).toBe(false);
  });
});

describe("every change names the key it was made with, and who created that key", () => {
  it("in the admin API (a bearer key) and on the PDP (a wall crossing with carol's key)", async () => {
    const patKey = await userKey(admin, { userId: "pat", name: "pat-admin", scopes: ["admin"], actor: "User::quinn" });
    const bearer = client(admin.app, { authorization: `Bearer ${patKey.key}` });
    expect((await bearer.post("/api/v1/groups", { id: "key-made" })).status).toBe(201);
    const [group] = (await changes("group.create")).filter((r) => r.target === "Group::key-made");
    expect(group).toMatchObject({ actor: "User::pat", apiKeyId: patKey.id, apiKeyCreatedBy: "User::quinn" });

    const carolKey = admin.pdp.keys.get("carol") as string;
    const pdp = pdpClient(admin.pdp);
    const crossing = await pdp.call(
      "POST",
      "/v1/wall-crossings",
      { user: "bob", issuer: "ACME", reason: "deal review", ttlSeconds: 600 },
      { authorization: `Bearer ${carolKey}` },
    );
    expect(crossing.status).toBe(201);
    const [granted] = (await changes("wall_crossing.grant")).filter(
      (r) => r.target === `WallCrossing::${crossing.json.id}`,
    );
    expect(granted).toMatchObject({ actor: "User::carol", apiKeyCreatedBy: "test" });
    expect(granted?.apiKeyId).toBe(admin.pdp.engine.keys.verify(carolKey)?.id);
  });
});

describe("the keys page", () => {
  /** A browser-like session: the cookie, and the CSRF token every form carries. */
  async function browser(user: string) {
    const res = await admin.app.request("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, password: DEMO_PASSWORD }),
    });
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const get = async (path: string) => (await admin.app.request(path, { headers: { cookie } })).text();
    const post = async (path: string, fields: Record<string, string> = {}) => {
      const res = await admin.app.request(path, {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrfToken, ...fields }).toString(),
      });
      return { status: res.status, location: res.headers.get("location"), html: await res.text() };
    };
    return { get, post };
  }

  it("files a request for another person's key, a second admin approves it, the requester collects it once", async () => {
    const [patUi, quinnUi] = await Promise.all([browser("pat"), browser("quinn")]);
    const filed = await patUi.post("/keys", { name: "erin-ui", kind: "user", userId: "erin", scopes: "runs" });
    expect(filed.status).toBe(303);
    const id = (await patUi.get("/keys")).match(/crq_[A-Za-z0-9_-]+/)?.[0] as string;
    expect(id).toBeDefined();
    // pat cannot approve his own request: there is no button, and the route refuses it.
    expect(await patUi.get("/keys")).not.toContain(`approve-${id}`);
    const self = await patUi.post(`/keys/requests/${id}/approve`);
    expect(self.status).toBe(422);
    expect(self.html).toContain("a second administrator must approve");
    expect(await quinnUi.get("/keys")).toContain(`approve-${id}`);
    expect((await quinnUi.post(`/keys/requests/${id}/approve`)).status).toBe(303);
    expect(await patUi.get("/keys")).toContain(`collect-${id}`);
    const collected = await patUi.post(`/keys/requests/${id}/collect`);
    expect(collected.status).toBe(200);
    expect(collected.html).toMatch(/data-testid="created-key">pea_/);
    expect((await patUi.post(`/keys/requests/${id}/collect`)).status).toBe(422);
  });

  it("makes a service key at once, and lists kind, binding and maker", async () => {
    const patUi = await browser("pat");
    const made = await patUi.post("/keys", {
      name: "fetcher-ui",
      kind: "service",
      agents: "web-fetcher",
      scopes: "authorize",
    });
    expect(made.status).toBe(200);
    expect(made.html).toMatch(/data-testid="created-key">pea_/);
    const page = await patUi.get("/keys");
    const row = page.slice(page.indexOf("fetcher-ui"), page.indexOf("</tr>", page.indexOf("fetcher-ui")));
    expect(row).toContain("<td>service</td>");
    expect(row).toContain("Agent::web-fetcher");
    expect(row).toContain("User::pat");
  });
});
