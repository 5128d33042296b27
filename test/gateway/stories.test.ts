// The demo bank's stories through the MCP gateway: real MCP client → gateway → real PDP (over
// HTTP, on a test store) → the demo bank's tool server. Agents hold only their run token.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createVerifier } from "@pea/verifier";
import { describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { gatewayRigForFile, refusalOf } from "./support.js";

const { pdp, rig, connect } = gatewayRigForFile();

const agentFor = async (user: string, agent: string, intent: string) => {
  const run = await rig().startRun(user, agent, intent);
  return { client: await connect(run.token), run };
};
const textOf = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

describe("alice's research assistant", () => {
  it("sees only the tools its task could ever use: never export_dataset", async () => {
    const { client } = await agentFor("alice", "research-assistant", "market-research-report");
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["read_dataset", "send_email", "write_draft"]);
  });

  it("reads research (allowed, with an artifact for exactly this call), and cannot read the deal database", async () => {
    const { client, run } = await agentFor("alice", "research-assistant", "market-research-report");
    const read = await client.callTool({ name: "read_dataset", arguments: { id: "research-repo" } });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain("ACME: hold");
    const call = rig().bank.calls.at(-1);
    expect(call?.tool).toBe("read_dataset");
    const claims = await createVerifier({ pdpUrl: rig().pdpUrl }).verify(call?.artifact as string);
    expect(claims).toMatchObject({
      principal: { type: "Agent", id: "research-assistant" },
      chain: [{ type: "User", id: "alice" }],
      run: run.id,
      action: "dataset:read",
      resource: { type: "Dataset", id: "research-repo" },
    });

    const barred = await client.callTool({ name: "read_dataset", arguments: { id: "deal-db" } });
    expect(barred.isError).toBe(true);
    expect(refusalOf(barred)).toMatchObject({ decision: "deny", code: "barrier" });
    expect(textOf(barred)).toMatch(/Refused by PEA \(barrier\)/);
    expect(rig().bank.calls.filter((c) => c.tool === "read_dataset")).toHaveLength(1);

    // Export is outside its task even when called by name.
    const exported = await client.callTool({ name: "export_dataset", arguments: { id: "client-list" } });
    expect(refusalOf(exported)?.code).toBe("intent_scope");
    expect(rig().bank.exports).toEqual([]);
  });

  it("has its call and its outcome in the run's lineage", async () => {
    const { client, run } = await agentFor("alice", "research-assistant", "market-research-report");
    await client.callTool({ name: "read_dataset", arguments: { id: "market-data" } });
    await rig().gateway.settled();
    const lineage = await pdpClient(pdp()).call("GET", `/v1/runs/${run.id}/lineage`);
    expect(lineage.status).toBe(200);
    const text = JSON.stringify(lineage.json);
    expect(text).toContain("market-data");
    expect(text).toContain("executed");
  });
});

describe("bob's deal agent", () => {
  it("reads MNPI, then may not e-mail outside the firm (history)", async () => {
    const { client } = await agentFor("bob", "deal-assistant", "deal-prep");
    const before = await client.callTool({
      name: "send_email",
      arguments: { to: "analyst@meridian.example", subject: "hello", body: "internal" },
    });
    expect(before.isError).toBeFalsy();
    const read = await client.callTool({ name: "read_dataset", arguments: { id: "deal-db" } });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain("Project Falcon");
    const leak = await client.callTool({
      name: "send_email",
      arguments: { to: "reporter@press.example", subject: "ACME", body: "Project Falcon" },
    });
    expect(leak.isError).toBe(true);
    expect(refusalOf(leak)).toMatchObject({ code: "barrier" });
    expect(refusalOf(leak)?.message).toMatch(/outside the firm/);
    expect(rig().bank.outbox.map((m) => m.to)).toEqual(["analyst@meridian.example"]);
  });
});

describe("dave's payments agent", () => {
  it("waits for erin's approval of a 50,000 payment, then pays once", async () => {
    const { client } = await agentFor("dave", "payments-agent", "vendor-payment");
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["initiate_payment"]);
    // Listing probed every tool and acted on nothing: no payment of the probe's is on record.
    const probed = await pdp().database.query("SELECT 1 FROM business_objects WHERE object_id = 'tools-list-probe'");
    expect(probed).toEqual([]);
    const payment = { id: "inv-4711", amount: 50_000, currency: "EUR", payee: "Acme Supplies" };
    const first = await client.callTool({ name: "initiate_payment", arguments: payment });
    expect(first.isError).toBe(true);
    const refused = refusalOf(first);
    expect(refused).toMatchObject({ code: "approval_required", approvalId: expect.stringMatching(/^apr_/) });
    expect(rig().bank.payments.size).toBe(0);

    const approvalId = refused?.approvalId as string;
    const approved = await pdpClient(pdp()).call(
      "POST",
      `/v1/approvals/${approvalId}/approve`,
      {},
      {
        authorization: `Bearer ${pdp().keys.get("erin")}`,
      },
    );
    expect(approved.status).toBe(200);

    const retry = { name: "initiate_payment", arguments: payment, _meta: { "pea/approval": approvalId } };
    const paid = await client.callTool(retry);
    expect(paid.isError).toBeFalsy();
    expect(rig().bank.payments.get("inv-4711")?.status).toBe("initiated");

    const again = await client.callTool(retry);
    expect(again.isError).toBe(true);
    expect(refusalOf(again)?.code).toBe("approval_required");
    expect(rig().bank.calls.filter((c) => c.tool === "initiate_payment")).toHaveLength(1);
  });
});
