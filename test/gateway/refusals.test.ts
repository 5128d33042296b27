import { fileURLToPath } from "node:url";
import { parseGatewayConfig, parseToolsConfig, startGateway } from "@pea/mcp-gateway";
import { describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { pdpOutage } from "../support/pdp-outage.js";
import { demoToolsFile, gatewayRigForFile, refusalOf, startGatewayRig, unsignedToken } from "./support.js";

const { pdp, rig, connect } = gatewayRigForFile();
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const researchRun = () => rig().startRun("alice", "research-assistant", "market-research-report");
const readResearch = { name: "read_dataset", arguments: { id: "research-repo" } };

describe("the gateway refuses", () => {
  it("a revoked agent's next tools/call", async () => {
    const agent = await connect((await rig().startRun("bob", "deal-assistant", "deal-prep")).token);
    const read = { name: "read_dataset", arguments: { id: "market-data" } };
    expect((await agent.callTool(read)).isError).toBeFalsy();
    const revoked = await pdpClient(pdp()).call("POST", "/v1/revocations", {
      target: { type: "Agent", id: "deal-assistant" },
      reason: "compromised",
    });
    expect(revoked.status).toBe(201);
    const after = await agent.callTool(read);
    expect(after.isError).toBe(true);
    expect(refusalOf(after)?.code).toBe("principal_revoked");
    expect((await agent.listTools()).tools).toEqual([]);
  });

  it("a paused run", async () => {
    const run = await researchRun();
    const agent = await connect(run.token);
    expect((await agent.callTool(readResearch)).isError).toBeFalsy();
    const paused = await pdpClient(pdp()).call("POST", `/v1/runs/${run.id}/pause`, { reason: "looks odd" });
    expect(paused.status).toBe(200);
    const after = await agent.callTool(readResearch);
    expect(refusalOf(after)?.code).toBe("run_inactive");
  });

  it("a token for another audience, with 401 and where its metadata is (RFC 9728)", async () => {
    const { token } = await researchRun();
    const [, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString());
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    };
    const post = (bearer?: string) =>
      fetch(rig().gateway.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: JSON.stringify(initialize),
      });
    for (const bearer of [unsignedToken({ ...claims, aud: "another-service" }), undefined, "not-a-jwt"]) {
      const res = await post(bearer);
      expect(res.status).toBe(401);
      const challenge = res.headers.get("www-authenticate") ?? "";
      expect(challenge).toMatch(/^Bearer error="invalid_token"/);
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] as string;
      const metadata = await (await fetch(metadataUrl)).json();
      expect(metadata).toMatchObject({ resource: rig().gateway.url, bearer_methods_supported: ["header"] });
    }
    expect((await post(token)).status).toBe(200);
  });

  it("arguments 5,000 levels deep: a refusal, not a 500, and nothing allowed", async () => {
    const run = await researchRun();
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const call = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"send_email","arguments":{"to":"colleague@meridian.example","subject":${deep},"body":"x"}}}`;
    const res = await fetch(rig().gateway.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${run.token}`,
      },
      body: call,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { id: number; result?: { isError?: boolean } };
    expect(answer.id).toBe(7);
    expect(answer.result?.isError).toBe(true);
    // Refused by the client before sending (too deep to serialise here), or by the PDP (too deep to judge).
    expect(["invalid_request", "request_refused"]).toContain(refusalOf(answer.result)?.code);
    await rig().gateway.settled();
    const lineage = await pdpClient(pdp()).call("GET", `/v1/runs/${run.id}/lineage`);
    expect(lineage.status).toBe(200);
    expect(JSON.stringify(lineage.json)).not.toContain("email:send");
  });

  it("a token PEA did not sign: PEA says unverified_delegation, nothing is listed or called", async () => {
    const { token } = await researchRun();
    const [, payload] = token.split(".");
    const forged = unsignedToken(JSON.parse(Buffer.from(payload as string, "base64url").toString()));
    const agent = await connect(forged);
    expect((await agent.listTools()).tools).toEqual([]);
    expect(refusalOf(await agent.callTool(readResearch))?.code).toBe("unverified_delegation");
  });
});

describe("the gateway fails closed", () => {
  for (const answer of ["refuse", "hang", "fail"] as const) {
    it(`when the PDP ${answer === "refuse" ? "is down" : answer === "hang" ? "is slower than the deadline" : "answers 500"}`, async () => {
      const pdpDown = await pdpOutage(answer);
      const down = await startGatewayRig(pdp(), { pdpUrl: pdpDown.url, env: { PEA_MCP_DEADLINE_MS: "300" } });
      try {
        const agent = await connect((await researchRun()).token, down.gateway.url);
        expect((await agent.listTools()).tools).toEqual([]);
        const started = Date.now();
        const result = await agent.callTool(readResearch);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(result.isError).toBe(true);
        expect(refusalOf(result)?.code).toBe("pdp_unavailable");
        expect(down.bank.calls).toEqual([]);
      } finally {
        await down.close();
        await pdpDown.close();
      }
    });
  }
});

describe("tool mappings", () => {
  const upstreams = { bank: { transport: "http", url: "http://127.0.0.1:1/mcp" } };
  const refused = (tool: unknown) => () => parseToolsConfig({ upstreams, tools: { read_dataset: tool } }, ".");

  it("may not let a caller choose the resource type (or the action)", () => {
    expect(
      refused({ action: "dataset:read", resource: { type: "{type}", id: "{id}" }, listWith: { id: "x" } }),
    ).toThrow(/tools\.read_dataset\.resource\.type: must be a fixed entity type .* may not choose the resource type/);
    expect(refused({ action: "dataset:read", resource: "{resource}" })).toThrow(/tools\.read_dataset\.resource/);
    expect(refused({ action: "{action}", resource: { type: "Dataset", id: "{id}" }, listWith: { id: "x" } })).toThrow(
      /tools\.read_dataset\.action: must be a fixed action name/,
    );
    expect(refused({ action: "dataset:read", resource: { type: "Dataset", id: "{id}" } })).toThrow(
      /tools\.read_dataset\.listWith: sample arguments \(id\)/,
    );
    expect(
      refused({
        action: "dataset:read",
        resource: { type: "Dataset", id: "{id}", owner: "{x}" },
        listWith: { id: "x" },
      }),
    ).toThrow(/unrecognized key/i);
  });

  it("for a tool no upstream offers stop the start", async () => {
    const stdio = {
      transport: "stdio",
      command: process.execPath,
      args: ["--conditions=pea-source", "--import", "tsx", "apps/demo-tools/src/main.ts"],
      cwd: repoRoot,
    };
    const tools = parseToolsConfig(
      {
        upstreams: { bank: stdio },
        tools: { wire_money: { action: "payment:release", resource: { type: "Payment", id: "p" } } },
      },
      ".",
    );
    const config = parseGatewayConfig({
      PEA_MCP_PORT: "0",
      PEA_MCP_TOOLS: demoToolsFile,
      PEA_MCP_API_KEY: pdp().keys.get("gateway") as string,
    });
    await expect(startGateway(config, tools)).rejects.toThrow(/tools\.wire_money: no upstream offers this tool/);
  }, 60_000);
});
