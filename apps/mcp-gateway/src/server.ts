import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPeaClient } from "@pea/client";
import { createLogger } from "@pea/http-kit";
import { readBearer } from "./bearer.js";
import type { GatewayConfig } from "./config.js";
import { APPROVAL_META_KEY, createDecider } from "./decide.js";
import { answerMcp } from "./streamable-http.js";
import type { ToolsConfig } from "./tools-config.js";
import { connectUpstreams } from "./upstreams.js";

export interface RunningGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:8702/mcp. */
  url: string;
  /** Resolves once the outcome reports started so far reached PEA (or failed). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const METADATA_PATH = "/.well-known/oauth-protected-resource";
const SERVER_INFO = { name: "pea-mcp-gateway", version: "0.1.0" };

/** Start the gateway: connect the upstreams, then serve /mcp and the protected-resource metadata. */
export async function startGateway(config: GatewayConfig, tools: ToolsConfig): Promise<RunningGateway> {
  const catalog = await connectUpstreams(tools);
  const client = createPeaClient({
    url: config.PEA_MCP_PDP_URL,
    apiKey: config.PEA_MCP_API_KEY,
    timeoutMs: config.PEA_MCP_DEADLINE_MS,
  });
  const logger = createLogger(config.PEA_LOG_LEVEL, "pea-mcp-gateway");
  const decider = createDecider(client, catalog, tools, {
    upstreamTimeoutMs: config.PEA_MCP_UPSTREAM_TIMEOUT_MS,
    // A lost report leaves the allow counted as executed in PEA's history: the safe side, worth a warning.
    onBackgroundError: (error) => logger.warn({ err: error }, "an outcome report did not reach PEA"),
  });
  let resource = config.PEA_MCP_RESOURCE_URL;

  const metadata = () => ({
    resource,
    ...(config.PEA_MCP_AUTHORIZATION_SERVERS.length > 0
      ? { authorization_servers: config.PEA_MCP_AUTHORIZATION_SERVERS }
      : {}),
    bearer_methods_supported: ["header"],
    resource_name: "PEA MCP gateway",
  });
  const refuse = (res: ServerResponse, why: string) => {
    const origin = new URL(resource as string).origin;
    res
      .writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": `Bearer error="invalid_token", error_description="${why}", resource_metadata="${origin}${METADATA_PATH}"`,
      })
      .end(JSON.stringify({ error: "invalid_token", error_description: why }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && (path === METADATA_PATH || path === `${METADATA_PATH}/mcp`)) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(metadata()));
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    if (path !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const reading = readBearer(req.headers.authorization, config.PEA_AUDIENCE, Math.floor(Date.now() / 1000));
    if ("refused" in reading) return refuse(res, reading.refused);
    const { caller } = reading;
    await answerMcp(
      req,
      res,
      {
        listTools: () => decider.listTools(caller),
        callTool: ({ name, arguments: args, _meta }) => {
          const approval = _meta?.[APPROVAL_META_KEY];
          return decider.callTool(caller, name, args ?? {}, typeof approval === "string" ? approval : undefined);
        },
      },
      { info: SERVER_INFO, onError: (error) => logger.error({ err: error }, "a tool method failed") },
    );
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error) => {
      logger.error({ err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.PEA_MCP_PORT, config.PEA_HOST, () => resolve());
  }).catch(async (error) => {
    await catalog.close();
    throw error;
  });
  const url = `http://${config.PEA_HOST}:${(http.address() as AddressInfo).port}/mcp`;
  resource ??= url;
  return {
    url,
    settled: () => decider.settled(),
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await decider.settled();
      await catalog.close();
    },
  };
}
