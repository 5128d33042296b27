// Admin actions are decided by PEA's policies: when they cannot be evaluated, nothing changes; and
// what the shipped rules allow or refuse can be changed only by policy.
import { afterEach, describe, expect, it } from "vitest";
import { policyDirWith } from "../support/store.js";
import { signIn, startTestAdmin, type TestAdmin } from "./support.js";

let admin: TestAdmin | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

const groupExists = async (id: string) =>
  (await (admin as TestAdmin).pdp.database.query("SELECT 1 FROM groups WHERE id = $1", [id])).length > 0;

describe("admin authorization fails closed", () => {
  it("refuses every admin action while the policy set is invalid", async () => {
    admin = await startTestAdmin({ policyDir: await policyDirWith({ "broken.cedar": "permit (principal, action" }) });
    const pat = await signIn(admin.app, "pat");
    const res = await pat.post("/api/v1/groups", { id: "while-broken" });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toMatch(/no valid policy set/);
    expect(await groupExists("while-broken")).toBe(false);
    expect((await pat.get("/api/v1/users")).status).toBe(403);
    expect(pat.allowed).toEqual([]);
  });

  it("a planted forbid freezes a change for everyone, named in the refusal", async () => {
    admin = await startTestAdmin({
      policyDir: await policyDirWith({
        "freeze.cedar": `@id("test.freeze-groups")
@reason("policy_denied")
@message("group changes are frozen for the audit")
forbid (principal, action == Action::"admin:group.write", resource is AdminTarget);`,
      }),
    });
    const pat = await signIn(admin.app, "pat");
    const res = await pat.post("/api/v1/groups", { id: "frozen" });
    expect(res.status).toBe(403);
    expect(res.json.error?.message).toBe("group changes are frozen for the audit (policy test.freeze-groups)");
    expect(await groupExists("frozen")).toBe(false);
    expect((await pat.post("/api/v1/segments", { id: "still-fine" })).status).toBe(201);
  });
});

describe("unless policy says so", () => {
  it("an owner may widen an agent placed in owner-managed-agents", async () => {
    admin = await startTestAdmin();
    const pat = await signIn(admin.app, "pat");
    const grant = (member: { type: string; id: string }, group: string) =>
      pat.post("/api/v1/memberships", { member, parent: { type: "Group", id: group } });
    expect((await grant({ type: "User", id: "alice" }, "pea-admins")).status).toBe(201);
    const alice = await signIn(admin.app, "alice");
    const widen = () => alice.post("/api/v1/agents/web-fetcher/intents", { intent: "deal-prep" });
    expect((await widen()).status).toBe(403);
    expect((await grant({ type: "Agent", id: "web-fetcher" }, "owner-managed-agents")).status).toBe(201);
    expect((await widen()).status).toBe(200);
  });
});
