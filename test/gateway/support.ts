// The MCP gateway as deployed, on loopback: the real PDP app served over HTTP on a test store, the
// demo bank's tool server over Streamable HTTP, and the gateway between them with the demo's
// tool mappings (apps/mcp-gateway/demo-bank.json). Agents are real MCP SDK clients.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BankState, createBankToolServer, type ServedMcp, serveMcpOverHttp } from "@pea/demo-tools";
import { parseGatewayConfig, parseToolsConfig, type RunningGateway, startGateway } from "@pea/mcp-gateway";
import { afterAll, beforeAll } from "vitest";
import { pdpClient } from "../support/http.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { madeBeforeAll } from "../support/suite.js";

export const demoToolsFile = fileURLToPath(new URL("../../apps/mcp-gateway/demo-bank.json", import.meta.url));

/** Serve an app's fetch handler on a free loopback port. */
export function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>) {
  return new Promise<{ url: string; close(): Promise<void> }>((resolve) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}

export interface GatewayRig {
  bank: BankState;
  gateway: RunningGateway;
  pdpUrl: string;
  /** Start a run as its human (their own key) and answer its run token. */
  startRun(user: string, agent: string, intent: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function startGatewayRig(
  pdp: TestPdp,
  options: { pdpUrl?: string; env?: Record<string, string> } = {},
): Promise<GatewayRig> {
  const client = pdpClient(pdp);
  const served = options.pdpUrl ? undefined : await serveOnLoopback(client.app.fetch);
  const pdpUrl = options.pdpUrl ?? (served?.url as string);
  const bank = new BankState();
  const upstream: ServedMcp = await serveMcpOverHttp(() => createBankToolServer(bank), "127.0.0.1", 0);
  const demo = JSON.parse(readFileSync(demoToolsFile, "utf8")) as { tools: unknown };
  const tools = parseToolsConfig(
    { upstreams: { bank: { transport: "http", url: upstream.url } }, tools: demo.tools },
    ".",
  );
  const gateway = await startGateway(
    parseGatewayConfig({
      PEA_MCP_PORT: "0",
      PEA_MCP_TOOLS: demoToolsFile,
      PEA_MCP_PDP_URL: pdpUrl,
      PEA_MCP_API_KEY: pdp.keys.get("gateway") as string,
      // a loaded test machine must not turn slow decisions into denies; the deadline tests set their own
      PEA_MCP_DEADLINE_MS: "15000",
      ...options.env,
    }),
    tools,
  );
  return {
    bank,
    gateway,
    pdpUrl,
    async startRun(user, agent, intent) {
      const res = await client.call(
        "POST",
        "/v1/runs",
        { principal: { type: "Agent", id: agent }, chain: [{ type: "User", id: user }], intent },
        { authorization: `Bearer ${pdp.keys.get(user)}` },
      );
      if (res.status !== 201) throw new Error(`run not started: ${res.text}`);
      return res.json as unknown as { id: string; token: string };
    },
    async close() {
      await gateway.close();
      await upstream.close();
      await served?.close();
    },
  };
}

/**
 * A test PDP and the gateway rig over it, started before the file's tests and closed after them,
 * with every agent `connect` made (to the rig's gateway unless another URL is given).
 */
export function gatewayRigForFile(pdpOptions: () => Parameters<typeof startTestPdp>[0] = () => ({})) {
  let pdp: TestPdp | undefined;
  let rig: GatewayRig | undefined;
  const agents: Client[] = [];
  beforeAll(async () => {
    pdp = await startTestPdp(pdpOptions());
    rig = await startGatewayRig(pdp);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await rig?.close();
    await pdp?.close();
  });
  const startedRig = () => madeBeforeAll(rig, "the gateway rig");
  return {
    pdp: () => madeBeforeAll(pdp, "the PDP"),
    rig: startedRig,
    async connect(token: string, url = startedRig().gateway.url): Promise<Client> {
      const agent = await connectAgent(url, token);
      agents.push(agent);
      return agent;
    },
  };
}

/** An agent: a real MCP client connected to the gateway with its bearer token. */
export async function connectAgent(url: string, token: string): Promise<Client> {
  const agent = new Client({ name: "test-agent", version: "1.0.0" });
  await agent.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return agent;
}

export const refusalOf = (result: unknown) =>
  (result as CallToolResult).structuredContent as
    | { decision: string; code: string; message: string; approvalId?: string }
    | undefined;

/** A JWT-shaped bearer with the given claims and no valid signature (for refusals the gateway makes itself). */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "EdDSA", typ: "pea-run+jwt" })}.${part(claims)}.${Buffer.from("not a signature").toString("base64url")}`;
}
