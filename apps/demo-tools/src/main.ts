import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { parseEnv } from "@pea/schemas";
import { BankState } from "./bank.js";
import { DemoToolsConfig } from "./config.js";
import { serveMcpOverHttp } from "./http.js";
import { createBankToolServer } from "./server.js";

const config = parseEnv(DemoToolsConfig, process.env);
const state = new BankState();
if (config.PEA_DEMO_TOOLS_TRANSPORT === "stdio") {
  // stdout is the protocol: nothing else may be written there.
  await createBankToolServer(state).connect(new StdioServerTransport());
} else {
  const served = await serveMcpOverHttp(() => createBankToolServer(state), config.PEA_HOST, config.PEA_DEMO_TOOLS_PORT);
  console.log(`PEA demo bank tools (MCP) on ${served.url}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => void served.close().then(() => process.exit(0)));
}
