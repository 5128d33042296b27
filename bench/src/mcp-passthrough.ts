// The floor under the MCP gateway's overhead (bench:gateway): an MCP proxy built of the same SDK parts
// as apps/mcp-gateway (its stateless Streamable HTTP answer per request, one SDK client to the upstream)
// that forwards every tools/call without asking anyone. What the gateway adds beyond this is PEA's:
// the bearer, the decision, the artifact, the outcome report.
//   BENCH_PASSTHROUGH_PORT=… BENCH_UPSTREAM_URL=http://127.0.0.1:…/mcp node --import tsx src/mcp-passthrough.ts
import { createServer } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { answerStateless } from "@pea/mcp-gateway";

const port = Number(process.env.BENCH_PASSTHROUGH_PORT);
const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!port || !upstreamUrl) throw new Error("BENCH_PASSTHROUGH_PORT and BENCH_UPSTREAM_URL are required");

const upstream = new Client({ name: "bench-passthrough", version: "1" });
await upstream.connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));
const jsonSchemaValidator = new AjvJsonSchemaValidator();

createServer(async (req, res) => {
  if (req.url === "/healthz") return void res.writeHead(200).end("ok");
  const server = new Server(
    { name: "bench-passthrough", version: "1" },
    { capabilities: { tools: {} }, jsonSchemaValidator },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => upstream.listTools());
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    upstream.callTool({ name: request.params.name, arguments: request.params.arguments ?? {} }),
  );
  await answerStateless(server, req, res);
}).listen(port, "127.0.0.1");
