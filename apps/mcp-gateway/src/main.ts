import { closeOnSignals, startOrExit } from "@pea/http-kit";
import { parseGatewayConfig } from "./config.js";
import { startGateway } from "./server.js";
import { loadToolsConfig } from "./tools-config.js";

const gateway = await startOrExit("pea-mcp-gateway", () => {
  const config = parseGatewayConfig(process.env);
  return startGateway(config, loadToolsConfig(config.PEA_MCP_TOOLS));
});
console.log(`PEA MCP gateway on ${gateway.url}  (Authorization: Bearer <run token>)`);
closeOnSignals(() => gateway.close());
