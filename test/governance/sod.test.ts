import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@pea/cli";
import { applySeed, assignMembership, bankSeed, SodConflictError } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../support/env.js";
import { type PdpClient, startPdpWithClient } from "../support/http.js";
import { initiatePayment, paymentObject, paymentsAgentForDave, userActs } from "../support/requests.js";
import { openTestStore, type TestPdp, waitFor } from "../support/store.js";

let pdp: TestPdp;
let client: PdpClient;

beforeAll(async () => {
  ({ pdp, client } = await startPdpWithClient());
});
afterAll(async () => pdp.close());

const payment = (id: string) => paymentObject(id, 5000);
const as = (user: string, action: string, id: string) => userActs(user, action, payment(id));

describe("dynamic separation of duties on a payment", () => {
  it("denies the initiator approving or releasing it; erin may (the demo)", async () => {
    const initiated = await client.authorize(initiatePayment("p-7", 5000));
    expect(initiated.json.decision).toBe("allow");

    const daveApproves = await client.authorize(as("dave", "payment:approve", "p-7"));
    expect(daveApproves.json.reasons?.[0]).toMatchObject({ code: "sod", link: "User::dave" });
    const agentApproves = await client.authorize({
      ...paymentsAgentForDave,
      action: "payment:approve",
      resource: payment("p-7"),
    });
    expect(agentApproves.json.decision).toBe("deny");
    expect(agentApproves.json.reasons?.[0]).toMatchObject({ code: "sod", link: "User::dave" });

    expect((await client.authorize(as("erin", "payment:release", "p-7"))).json.reasons?.[0]).toMatchObject({
      code: "sod",
      policy: "bank.release-after-approval",
    });
    expect((await client.authorize(as("erin", "payment:approve", "p-7"))).json.decision).toBe("allow");
    expect((await client.authorize(as("dave", "payment:release", "p-7"))).json.reasons?.[0]?.code).toBe("sod");
    expect((await client.authorize(as("erin", "payment:release", "p-7"))).json.decision).toBe("allow");
  });

  it("does not count an initiation that did not execute", async () => {
    const initiated = await client.authorize(initiatePayment("p-8", 5000));
    const reported = await client.call("POST", `/v1/decisions/${initiated.json.decisionId}/outcome`, {
      status: "failed",
    });
    expect(reported.status).toBe(201);
    const [row] = await pdp.database.query<{ undone: boolean }>(
      "SELECT undone FROM object_duties WHERE decision_id = $1",
      [initiated.json.decisionId],
    );
    expect(row?.undone).toBe(true);
    // dave is no approver: with no initiation on record, he is simply not permitted (no sod).
    const approve = await client.authorize(as("dave", "payment:approve", "p-8"));
    expect(approve.json.reasons?.[0]?.code).toBe("not_permitted");
  });
});

describe("static separation of duties", () => {
  it("refuses assigning dave to the approvers, naming the conflict", async () => {
    const attempt = assignMembership(pdp.database, {
      member: { type: "User", id: "dave" },
      parent: { type: "Group", id: "payments-approvers" },
      grantedBy: "test",
    });
    await expect(attempt).rejects.toBeInstanceOf(SodConflictError);
    await expect(attempt).rejects.toThrow(/User::dave.*payments-approvers.*payments-initiators/);
    const rows = await pdp.database.query(
      "SELECT 1 FROM memberships WHERE member_id = 'dave' AND parent_id = 'payments-approvers'",
    );
    expect(rows).toHaveLength(0);
    // through a nested group as well
    await pdp.database.query("INSERT INTO groups (id) VALUES ('treasury')");
    await assignMembership(pdp.database, {
      member: { type: "User", id: "dave" },
      parent: { type: "Group", id: "treasury" },
      grantedBy: "test",
    });
    await expect(
      assignMembership(pdp.database, {
        member: { type: "Group", id: "treasury" },
        parent: { type: "Group", id: "payments-approvers" },
        grantedBy: "test",
      }),
    ).rejects.toBeInstanceOf(SodConflictError);
  });

  it("refuses a seed that creates a conflict", { timeout: 60_000 }, async () => {
    const store = await openTestStore();
    try {
      const { migrate } = await import("@pea/migrations");
      await migrate(store.database);
      const bad = {
        ...bankSeed,
        memberships: {
          ...bankSeed.memberships,
          "User::erin": ["Group::payments-approvers", "Group::payments-initiators"],
        },
      };
      await expect(applySeed(store.database, bad)).rejects.toBeInstanceOf(SodConflictError);
      expect(await store.database.query("SELECT 1 FROM users")).toHaveLength(0);
    } finally {
      await store.close();
    }
  });

  it("refuses it through the CLI", { timeout: 120_000 }, async () => {
    const store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const env: Record<string, string> = store?.url
      ? { DATABASE_URL: store.url }
      : { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-cli-")) };
    try {
      const out: string[] = [];
      const run = (argv: string[]) => main(argv, env, { log: (l) => out.push(l), error: (l) => out.push(l) });
      expect(await run(["seed", "demo"]), out.join("\n")).toBe(0);
      // The CLI acts as the key it is given: carol's own (compliance) admin key.
      expect(
        await run(["keys", "create", "--name", "carol", "--user", "carol", "--scope", "admin"]),
        out.join("\n"),
      ).toBe(0);
      const carolKey = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(out.join("\n"))?.[0] as string;
      Object.assign(env, { PEA_API_KEY: carolKey });
      const code = await run(["membership", "add", "--member", "User::dave", "--parent", "Group::payments-approvers"]);
      expect(code).toBe(1);
      expect(out.join("\n")).toMatch(/refused: separation of duties: User::dave/);
      expect(await run(["membership", "add", "--member", "User::carol", "--parent", "Group::payments-approvers"])).toBe(
        0,
      );
      expect(await run(["sod", "check"])).toBe(0);
    } finally {
      await store?.close();
    }
  });

  it("denies sod when the store holds a conflict anyway", async () => {
    const before = pdp.engine.entitlementVersion;
    await pdp.database.query(
      "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('User', 'erin', 'Group', 'payments-initiators')",
    );
    await waitFor(() => pdp.engine.entitlementVersion > before);
    const { json } = await client.authorize(as("erin", "payment:approve", "p-99"));
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]).toMatchObject({ code: "sod", link: "User::erin" });
  });
});
