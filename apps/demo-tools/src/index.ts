// The demo bank's MCP tool server: what PEA's MCP gateway fronts in the demo and the tests.
export { ARTIFACT_META_KEY, BankState, datasets, type Payment } from "./bank.js";
export { DemoToolsConfig } from "./config.js";
export { type ServedMcp, serveMcpOverHttp } from "./http.js";
export { createBankToolServer } from "./server.js";
