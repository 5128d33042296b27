// A person signed in to the admin app starts a run for themself and gets its token: the third way a
// human authenticates their delegation (besides their key and their identity provider's token).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { signIn, startTestAdmin, type TestAdmin } from "./support.js";

let admin: TestAdmin;
beforeAll(async () => {
  admin = await startTestAdmin();
});
afterAll(async () => {
  await admin?.close();
});

const runFor = (human: string) => ({
  principal: { type: "Agent", id: "research-assistant" },
  chain: [{ type: "User", id: human }],
  intent: "market-research-report",
});

describe("runs started from an admin-app session", () => {
  it("alice signed in starts her own run; its token lets the gateway ask for her assistant", async () => {
    const alice = await signIn(admin.app, "alice");
    const started = await alice.post("/api/v1/runs", runFor("alice"));
    expect(started.status).toBe(201);
    const run = started.json as { id: string; token: string; startedBy: string };
    expect(run.startedBy).toBe("alice");
    const asked = await pdpClient(admin.pdp).call(
      "POST",
      "/v1/authorize",
      { ...stories.readResearch, delegation: { token: run.token } },
      { authorization: `Bearer ${admin.pdp.keys.get("gateway")}` },
    );
    expect(asked.json.decision).toBe("allow");
  });

  it("nobody signed in starts a run for someone else, not even an administrator", async () => {
    for (const who of ["alice", "pat", "carol"]) {
      const session = await signIn(admin.app, who);
      const refused = await session.post("/api/v1/runs", runFor("bob"));
      expect(refused.status, who).toBe(403);
      expect(refused.json.error?.code).toBe("forbidden");
    }
  });
});
