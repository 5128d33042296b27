// Read your writes: an entity the admin API created is known to a decision that asks for the
// entitlement version the change committed, at once, on every PDP; a version no PDP has is a deny.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { signIn, startTestAdmin, type TestAdmin } from "./support.js";

let admin: TestAdmin;
let pat: Awaited<ReturnType<typeof signIn>>;
let pdp: ReturnType<typeof pdpClient>;

beforeAll(async () => {
  admin = await startTestAdmin();
  pat = await signIn(admin.app, "pat");
  pdp = pdpClient(admin.pdp);
});
afterAll(async () => {
  await admin?.close();
});

const gateway = () => ({ authorization: `Bearer ${admin.pdp.keys.get("gateway")}` });

describe("read your writes", () => {
  it("a user created a moment ago is judged, never unknown, when the decision names the change's version", async () => {
    for (let i = 0; i < 20; i++) {
      const id = `rw-user-${i}`;
      const created = await pat.post("/api/v1/users", { id, displayName: `RW ${i}` });
      expect(created.status).toBe(201);
      const version = Number(created.headers.get("PEA-Entitlement-Version"));
      expect(version).toBeGreaterThan(0);
      const { status, json } = await pdp.call(
        "POST",
        "/v1/authorize",
        { principal: { type: "User", id }, action: "dataset:read", resource: { type: "Dataset", id: "market-data" } },
        { ...gateway(), "pea-entitlement-version": String(version) },
      );
      expect(status).toBe(200);
      expect(json.reasons?.map((r) => r.code)).not.toContain("unknown_entity");
      expect((json as { entitlementVersion?: number }).entitlementVersion).toBeGreaterThanOrEqual(version);
    }
  });

  it("a version no PDP holds is a deny, store_unavailable, never a decision on older data", async () => {
    const { status, json } = await pdp.call(
      "POST",
      "/v1/authorize",
      {
        principal: { type: "User", id: "alice" },
        action: "dataset:read",
        resource: { type: "Dataset", id: "market-data" },
      },
      { ...gateway(), "pea-entitlement-version": "999999999" },
    );
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.code).toBe("store_unavailable");
    const bad = await pdp.call("POST", "/v1/authorize", {}, { ...gateway(), "pea-entitlement-version": "soon" });
    expect(bad.status).toBe(400);
  });
});
