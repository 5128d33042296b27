import { parseGatewayConfig } from "./config.js";
import { startGateway } from "./server.js";
import { loadToolsConfig } from "./tools-config.js";

let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  const config = parseGatewayConfig(process.env);
  gateway = await startGateway(config, loadToolsConfig(config.PEA_MCP_TOOLS));
} catch (error) {
  console.error(`pea-mcp-gateway: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`PEA MCP gateway on ${gateway.url}  (Authorization: Bearer <run token>)`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (closing) return;
    closing = true;
    await gateway.close();
    process.exit(0);
  });
}
