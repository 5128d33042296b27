import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { waitFor } from "../support/store.js";
import { client, serviceKeyRequest, signIn, startTestAdmin, type TestAdmin, userKey } from "./support.js";

let admin: TestAdmin;
let pat: Awaited<ReturnType<typeof signIn>>;
let carol: Awaited<ReturnType<typeof signIn>>;
let grace: Awaited<ReturnType<typeof signIn>>;
let alice: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  admin = await startTestAdmin();
  [pat, carol, grace, alice] = await Promise.all([
    signIn(admin.app, "pat"),
    signIn(admin.app, "carol"),
    signIn(admin.app, "grace"),
    signIn(admin.app, "alice"),
  ]);
});
afterAll(() => admin?.close());

const auditActions = async (target: string) =>
  (
    await admin.pdp.database.query<{ record: { action: string; actor: string } | string }>(
      "SELECT record FROM audit_log WHERE kind = 'change' AND ref = $1 ORDER BY seq",
      [target],
    )
  ).map((r) => (typeof r.record === "string" ? JSON.parse(r.record) : r.record) as { action: string; actor: string });

describe("sign-in and sessions", () => {
  it("refuses a wrong password, an unknown user and a missing session", async () => {
    const wrong = await admin.app.request("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "pat", password: "not the password" }),
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const nobody = await admin.app.request("/api/v1/users");
    expect(nobody.status).toBe(401);
  });

  it("sets an httpOnly SameSite=Strict cookie and answers the roles PEA's policies allow", async () => {
    const res = await admin.app.request("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "grace", password: "correct horse battery staple" }),
    });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const body = (await res.json()) as { allowed: string[] };
    expect(body.allowed).toContain("admin:audit.read");
    expect(body.allowed).not.toContain("admin:user.write");
    expect(pat.allowed).toContain("admin:membership.grant");
    expect(carol.allowed).toContain("admin:wall.cross");
    expect(alice.allowed).toEqual([]);
  });

  it("refuses a cookie-authenticated change without the CSRF token", async () => {
    const session = await admin.app.request("/api/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "pat", password: "correct horse battery staple" }),
    });
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const noCsrf = client(admin.app, { cookie });
    const res = await noCsrf.post("/api/v1/groups", { id: "csrf-test" });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toMatch(/CSRF/);
    const crossSite = await noCsrf.call(
      "POST",
      "/api/v1/groups",
      { id: "csrf-test" },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
  });

  it("accepts a user-bound API key with the admin scope, and refuses unbound or narrower keys", async () => {
    const bound = await userKey(admin, { userId: "pat", name: "pat-cli", scopes: ["admin"] });
    const narrow = await userKey(admin, { userId: "pat", name: "pat-ro", scopes: ["audit"] });
    expect((await client(admin.app, { authorization: `Bearer ${bound.key}` }).get("/api/v1/users")).status).toBe(200);
    const unbound = await client(admin.app, { authorization: `Bearer ${admin.pdp.key}` }).get("/api/v1/users");
    expect(unbound.status).toBe(403);
    expect(unbound.json.error?.message).toMatch(/bound to a user/);
    expect((await client(admin.app, { authorization: `Bearer ${narrow.key}` }).get("/api/v1/users")).status).toBe(403);
    expect(
      (await client(admin.app, { authorization: "Bearer pea_nope.nopenopenopenopenopenope" }).get("/api/v1/users"))
        .status,
    ).toBe(401);
  });
});

describe("users and agents", () => {
  it("creates a user, records who did it, and refuses a duplicate and a bad id", async () => {
    const created = await pat.post("/api/v1/users", { id: "frank", displayName: "Frank Ode" });
    expect(created.status).toBe(201);
    expect(created.json.entitlementVersion).toBeGreaterThan(1);
    expect((await pat.post("/api/v1/users", { id: "frank", displayName: "again" })).status).toBe(409);
    const bad = await pat.post("/api/v1/users", { id: "no spaces", displayName: "x" });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/^id:/);
    const records = await auditActions("User::frank");
    expect(records).toContainEqual(expect.objectContaining({ action: "user.create", actor: "User::pat" }));
  });

  it("refuses the wrong role: an auditor and a plain user cannot change anything", async () => {
    const asAuditor = await grace.post("/api/v1/users", { id: "x1", displayName: "x" });
    expect(asAuditor.status).toBe(403);
    expect(asAuditor.json.error?.code).toBe("forbidden");
    expect((await grace.get("/api/v1/users")).status).toBe(200);
    expect((await alice.get("/api/v1/users")).status).toBe(403);
  });

  it("refuses a self-change: nobody suspends, reactivates or edits themselves", async () => {
    const res = await pat.patch("/api/v1/users/pat", { displayName: "Pat the Great" });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toMatch(/admin\.no-self-change/);
  });

  it("registers an agent only with an existing, active owner", async () => {
    const noOwner = await pat.post("/api/v1/agents", { id: "ghost-agent", owner: "nobody" });
    expect(noOwner.status).toBe(404);
    expect(noOwner.json.error?.message).toMatch(/every agent needs an owner/);
    const ok = await pat.post("/api/v1/agents", { id: "frank-agent", owner: "frank", description: "helps Frank" });
    expect(ok.status).toBe(201);
    const agents = (await pat.get("/api/v1/agents")).json.agents as Array<{ id: string; owner: string }>;
    expect(agents.find((a) => a.id === "frank-agent")?.owner).toBe("frank");
    // Registering an agent for yourself is a self-grant.
    expect((await pat.post("/api/v1/agents", { id: "pat-agent", owner: "pat" })).status).toBe(403);
  });

  it("suspending an agent reaches the PDP: its next decision is denied", async () => {
    const pdp = pdpClient(admin.pdp);
    expect((await pdp.authorize(stories.readResearch)).json.decision).toBe("allow");
    expect((await carol.patch("/api/v1/agents/research-assistant", { status: "suspended" })).status).toBe(200);
    await waitFor(async () => (await pdp.authorize(stories.readResearch)).json.decision === "deny");
    const denied = await pdp.authorize(stories.readResearch);
    expect(denied.json.reasons?.[0]?.code).toBe("principal_revoked");
    expect((await carol.patch("/api/v1/agents/research-assistant", { status: "active" })).status).toBe(200);
    await waitFor(async () => (await pdp.authorize(stories.readResearch)).json.decision === "allow");
  });
});

describe("agent intents", () => {
  it("lets an admin widen an agent's intents, but never its owner", async () => {
    // alice owns research-assistant; make her an admin (by pat) and try.
    const aliceInAdmins = { member: { type: "User", id: "alice" }, parent: { type: "Group", id: "pea-admins" } };
    expect((await pat.post("/api/v1/memberships", aliceInAdmins)).status).toBe(201);
    const aliceAdmin = await signIn(admin.app, "alice");
    const own = await aliceAdmin.post("/api/v1/agents/research-assistant/intents", { intent: "deal-prep" });
    expect(own.status).toBe(403);
    expect(own.json.error?.message).toMatch(/admin\.owner-cannot-widen/);
    const other = await pat.post("/api/v1/agents/research-assistant/intents", { intent: "vendor-payment" });
    expect(other.status).toBe(200);
    expect((await pat.del("/api/v1/agents/research-assistant/intents/vendor-payment")).status).toBe(200);
    expect((await pat.post("/api/v1/agents/research-assistant/intents", { intent: "no-such-intent" })).status).toBe(
      404,
    );
    expect((await pat.post("/api/v1/memberships/revoke", aliceInAdmins)).status).toBe(200);
    // The role is gone at once: alice's next admin change is refused.
    expect((await aliceAdmin.post("/api/v1/groups", { id: "alice-group" })).status).toBe(403);
  });
});

describe("groups, segments and memberships", () => {
  it("creates groups and segments and validates membership references", async () => {
    expect((await pat.post("/api/v1/groups", { id: "desk-heads", description: "Desk heads" })).status).toBe(201);
    expect((await pat.post("/api/v1/segments", { id: "wealth", description: "Private wealth" })).status).toBe(201);
    const missing = await pat.post("/api/v1/memberships", {
      member: { type: "User", id: "nobody" },
      parent: { type: "Group", id: "desk-heads" },
    });
    expect(missing.status).toBe(404);
    const noParent = await pat.post("/api/v1/memberships", {
      member: { type: "User", id: "frank" },
      parent: { type: "Group", id: "no-such-group" },
    });
    expect(noParent.status).toBe(404);
    const ok = await pat.post("/api/v1/memberships", {
      member: { type: "User", id: "frank" },
      parent: { type: "Segment", id: "wealth" },
    });
    expect(ok.status).toBe(201);
    const segments = (await pat.get("/api/v1/segments")).json.segments as Array<{ id: string; members: unknown[] }>;
    expect(segments.find((s) => s.id === "wealth")?.members).toEqual([{ type: "User", id: "frank" }]);
  });

  it("refuses a group cycle", async () => {
    const res = await pat.post("/api/v1/memberships", {
      member: { type: "Group", id: "staff" },
      parent: { type: "Group", id: "bankers" },
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/cycle/);
  });

  it("refuses a change to a group the actor is in (no self-grant through a group)", async () => {
    // pat is in Group::staff: moving that group would change his own entitlements.
    const res = await pat.post("/api/v1/memberships", {
      member: { type: "Group", id: "staff" },
      parent: { type: "Group", id: "desk-heads" },
    });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toMatch(/admin\.no-self-change-via-group/);
  });

  it("refuses a self-grant of a role", async () => {
    const res = await pat.post("/api/v1/memberships", {
      member: { type: "User", id: "pat" },
      parent: { type: "Group", id: "pea-compliance" },
    });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toMatch(/nobody may change their own entitlements/);
    // The attempt itself is in the audit log for the auditors.
    const refused = await auditActions("User::pat");
    expect(refused).toContainEqual(expect.objectContaining({ action: "admin.refused", actor: "User::pat" }));
  });
});

describe("intents and resources", () => {
  it("creates an intent whose capabilities the schema knows, and refuses unknown ones", async () => {
    const bad = await pat.post("/api/v1/intents", {
      id: "bad-intent",
      capabilities: [{ action: "dataset:read", resourceType: "Payment" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/does not apply to Payment/);
    const unknown = await pat.post("/api/v1/intents", {
      id: "bad-intent",
      capabilities: [{ action: "rocket:launch", resourceType: "Dataset" }],
    });
    expect(unknown.status).toBe(400);
    const ok = await pat.post("/api/v1/intents", {
      id: "data-review",
      description: "Read datasets",
      capabilities: [{ action: "dataset:read", resourceType: "Dataset" }],
    });
    expect(ok.status).toBe(201);
    const upd = await pat.patch("/api/v1/intents/data-review", {
      capabilities: [
        { action: "dataset:read", resourceType: "Dataset" },
        { action: "document:write", resourceType: "Document" },
      ],
    });
    expect(upd.status).toBe(200);
    const intents = (await pat.get("/api/v1/intents")).json.intents as Array<{ id: string; capabilities: unknown[] }>;
    expect(intents.find((i) => i.id === "data-review")?.capabilities).toHaveLength(2);
  });

  it("registers a resource whose attributes conform to the schema", async () => {
    const bad = await pat.put("/api/v1/resources/Dataset/new-data", { attributes: { classification: 3 } });
    expect(bad.status).toBe(400);
    const notResource = await pat.put("/api/v1/resources/User/x", { attributes: {} });
    expect(notResource.status).toBe(400);
    const ok = await pat.put("/api/v1/resources/Dataset/new-data", {
      attributes: { classification: "internal", issuers: [], mnpi: false },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.created).toBe(true);
    const pdp = pdpClient(admin.pdp);
    const read = {
      principal: { type: "User", id: "alice" },
      action: "dataset:read",
      resource: { type: "Dataset", id: "new-data" },
    };
    await waitFor(async () => (await pdp.authorize(read)).json.decision === "allow");
  });
});

describe("API keys", () => {
  it("creates a key (shown once), and revokes it everywhere; a key for another person is only a request", async () => {
    const forErin = await pat.post("/api/v1/keys", { name: "erin-approvals", userId: "erin", scopes: ["approvals"] });
    expect(forErin.status).toBe(202);
    expect(forErin.json).toMatchObject({ status: "pending", subject: "erin" });
    const created = await pat.post(
      "/api/v1/keys",
      serviceKeyRequest("ra-runtime", ["research-assistant"], ["authorize"]),
    );
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^pea_/);
    const listed = (await pat.get("/api/v1/keys")).json.keys as Array<{ id: string }>;
    expect(JSON.stringify(listed)).not.toContain(key.split(".")[1]);
    expect((await pat.del(`/api/v1/keys/${created.json.id}`)).status).toBe(200);
    await waitFor(async () => !admin.pdp.engine.keys.verify(key));
    expect((await pat.del(`/api/v1/keys/${created.json.id}`)).status).toBe(409);
    expect((await pat.post("/api/v1/keys", { name: "mine", userId: "pat", scopes: ["admin"] })).status).toBe(403);
  });
});

describe("OpenAPI", () => {
  it("documents the admin API", async () => {
    const res = await admin.app.request("/openapi.json");
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/users", "/api/v1/memberships", "/api/v1/session"]),
    );
  });
});

describe("passwords", () => {
  it("an admin sets someone else's password (never their own) with a second one's approval; the old one stops working", async () => {
    expect((await pat.put("/api/v1/users/bob/password", { password: "short" })).status).toBe(400);
    expect((await grace.put("/api/v1/users/bob/password", { password: "a new long password 1" })).status).toBe(403);
    expect((await pat.put("/api/v1/users/pat/password", { password: "a new long password 1" })).status).toBe(403);
    const asked = await pat.put("/api/v1/users/bob/password", { password: "a new long password 1" });
    expect(asked.status).toBe(202);
    // carol (compliance) may change users: she is the second administrator here.
    expect((await carol.post(`/api/v1/credential-requests/${asked.json.requestId}/approve`, {})).status).toBe(200);
    await expect(signIn(admin.app, "bob")).rejects.toThrow(/401/);
    const bob = await signIn(admin.app, "bob", "a new long password 1");
    expect((await bob.get("/api/v1/session")).json.mustChangePassword).toBe(true);
  });

  it("anyone changes their own password by proving the current one", async () => {
    const erin = await signIn(admin.app, "erin");
    const wrong = await erin.put("/api/v1/session/password", { current: "nope", password: "erin's new passphrase" });
    expect(wrong.status).toBe(400);
    const ok = await erin.put("/api/v1/session/password", {
      current: "correct horse battery staple",
      password: "erin's new passphrase",
    });
    expect(ok.status).toBe(200);
    // A new password ends every session opened with the old one.
    expect((await erin.get("/api/v1/session")).status).toBe(401);
    await signIn(admin.app, "erin", "erin's new passphrase");
  });
});
