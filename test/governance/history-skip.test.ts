import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPolicyDir } from "@pea/policy-store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

// A policy set that never reads context.history or context.crossings is decided without the
// history lookup: with the touches table gone, such decisions still work.
let pdp: TestPdp;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "pea-nohistory-"));
  await cp(join(defaultPolicyDir, "core"), join(dir, "core"), { recursive: true });
  await cp(join(defaultPolicyDir, "bank", "entitlements.cedar"), join(dir, "bank", "entitlements.cedar"));
  pdp = await startTestPdp({ policyDir: dir });
});
afterAll(async () => pdp.close());

it("skips the history lookup when no policy reads history", async () => {
  const client = pdpClient(pdp);
  await pdp.database.exec("ALTER TABLE touches RENAME TO touches_gone");
  try {
    // (an e-mail address carries no labels, so nothing is recorded either)
    const send = {
      principal: { type: "User", id: "bob" },
      action: "email:send",
      resource: { type: "EmailAddress", id: "x@y.example" },
    };
    expect((await client.authorize(send)).json.decision).toBe("allow");
    // an allow that touches labelled data must still record it: its touch is written with its audit
    // record, so without the table that write fails and the allow is a deny (fail closed)
    expect((await client.authorize(stories.readResearch)).json.reasons?.[0]?.code).toBe("audit_unavailable");
  } finally {
    await pdp.database.exec("ALTER TABLE touches_gone RENAME TO touches");
  }
});
