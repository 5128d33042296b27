// The Vercel AI SDK's tools, guarded by @pea/client: each call is a PEA decision before it runs.
export { guardedExecute, type Refused } from "./pea-tool.js";
export { type AgentRun, researchTools } from "./research-tools.js";
