import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface ServedMcp {
  /** The MCP endpoint, e.g. http://127.0.0.1:8704/mcp. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve an MCP server over Streamable HTTP at /mcp, stateless (the SDK's pattern: a fresh server
 * and transport per request, so concurrent clients never share a transport).
 */
export function serveMcpOverHttp(makeServer: () => McpServer, host: string, port: number): Promise<ServedMcp> {
  const http = createServer(async (req, res) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      const { port: bound } = http.address() as AddressInfo;
      resolve({
        url: `http://${host}:${bound}/mcp`,
        close: () =>
          new Promise<void>((done) => {
            http.closeAllConnections();
            http.close(() => done());
          }),
      });
    });
  });
}
