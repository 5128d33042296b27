// The floor under the MCP gateway's overhead (bench:gateway): an MCP proxy built of the same parts
// as apps/mcp-gateway (its Streamable HTTP answer, one SDK client over its upstream fetch) that forwards
// every tools/call without asking anyone. What the gateway adds beyond this is PEA's: the bearer,
// the decision, the artifact, the outcome report.
//   BENCH_PASSTHROUGH_PORT=… BENCH_UPSTREAM_URL=http://127.0.0.1:…/mcp node --import tsx src/mcp-passthrough.ts
import { createServer } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { answerMcp, upstreamFetch } from "@pea/mcp-gateway";

const port = Number(process.env.BENCH_PASSTHROUGH_PORT);
const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!port || !upstreamUrl) throw new Error("BENCH_PASSTHROUGH_PORT and BENCH_UPSTREAM_URL are required");

const upstream = new Client({ name: "bench-passthrough", version: "1" });
await upstream.connect(new StreamableHTTPClientTransport(new URL(upstreamUrl), { fetch: upstreamFetch() }));
const methods = {
  listTools: async () => (await upstream.listTools()).tools,
  callTool: async ({ name, arguments: args }: { name: string; arguments?: Record<string, unknown> | undefined }) =>
    (await upstream.callTool({ name, arguments: args ?? {} })) as CallToolResult,
};
const options = {
  info: { name: "bench-passthrough", version: "1" },
  onError: (error: unknown) => console.error(error),
};

createServer((req, res) => {
  if (req.url === "/healthz") return void res.writeHead(200).end("ok");
  void answerMcp(req, res, methods, options);
}).listen(port, "127.0.0.1");
