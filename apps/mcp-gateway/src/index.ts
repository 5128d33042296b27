// PEA's MCP gateway: every tools/call a PEA decision before it reaches the upstream tool server.
export { type Caller, readBearer } from "./bearer.js";
export { GatewayConfig, parseGatewayConfig } from "./config.js";
export { APPROVAL_META_KEY, ARTIFACT_META_KEY } from "./decide.js";
export { type RunningGateway, startGateway } from "./server.js";
export { answerMcp, type ToolMethods } from "./streamable-http.js";
export { loadToolsConfig, parseToolsConfig, ToolMapping, ToolsConfig } from "./tools-config.js";
export { upstreamFetch } from "./upstream-fetch.js";
