// The gateway as `npm start` runs it: the demo bank's tool server spawned over stdio from the tools
// file's own upstream entry (here from sources), the real PDP behind it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { parseGatewayConfig, parseToolsConfig, type RunningGateway, startGateway } from "@pea/mcp-gateway";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { connectAgent, demoToolsFile, refusalOf, serveOnLoopback } from "./support.js";

let pdp: TestPdp;
let served: { url: string; close(): Promise<void> };
let gateway: RunningGateway;
let agent: Client | undefined;

beforeAll(async () => {
  pdp = await startTestPdp();
  served = await serveOnLoopback(pdpClient(pdp).app.fetch);
  const demo = JSON.parse(readFileSync(demoToolsFile, "utf8")) as { tools: unknown };
  const fromSources = {
    transport: "stdio",
    command: process.execPath,
    args: ["--conditions=pea-source", "--import", "tsx", "apps/demo-tools/src/main.ts"],
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  };
  gateway = await startGateway(
    parseGatewayConfig({
      PEA_MCP_PORT: "0",
      PEA_MCP_TOOLS: demoToolsFile,
      PEA_MCP_PDP_URL: served.url,
      PEA_MCP_API_KEY: pdp.keys.get("gateway") as string,
      PEA_MCP_DEADLINE_MS: "15000",
    }),
    parseToolsConfig({ upstreams: { bank: fromSources }, tools: demo.tools }, "."),
  );
}, 120_000);
afterAll(async () => {
  await agent?.close();
  await gateway?.close();
  await served?.close();
  await pdp?.close();
});

it("serves the demo bank's tools over stdio behind PEA", async () => {
  const run = await pdpClient(pdp).call(
    "POST",
    "/v1/runs",
    {
      principal: { type: "Agent", id: "research-assistant" },
      chain: [{ type: "User", id: "alice" }],
      intent: "market-research-report",
    },
    { authorization: `Bearer ${pdp.keys.get("alice")}` },
  );
  agent = await connectAgent(gateway.url, run.json.token as string);
  const read = await agent.callTool({ name: "read_dataset", arguments: { id: "research-repo" } });
  expect(read.isError).toBeFalsy();
  expect(JSON.stringify(read.content)).toContain("ACME: hold");
  const barred = await agent.callTool({ name: "read_dataset", arguments: { id: "deal-db" } });
  expect(refusalOf(barred)?.code).toBe("barrier");
});
