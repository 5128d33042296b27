export { createPdpApp } from "./app.js";
export { PdpConfig, parsePdpConfig } from "./config.js";
export type { PdpDeps } from "./deps.js";
export { type RunningPdp, startPdp } from "./server.js";
export { startTracing, TelemetryConfig } from "./telemetry.js";
