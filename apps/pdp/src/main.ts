import { settingsFrom } from "@pea/schemas";
import { startTracing, TelemetryConfig } from "./telemetry.js";

// Tracing first (when configured): what it instruments must load after it, hence the imports below.
let tracing: Awaited<ReturnType<typeof startTracing>>;
try {
  tracing = await startTracing(TelemetryConfig.parse(settingsFrom(process.env)));
} catch (error) {
  console.error(`pea: cannot start tracing: ${(error as Error).message}`);
  process.exit(1);
}
const { parsePdpConfig } = await import("./config.js");
const { startPdp } = await import("./server.js");
const { closeOnSignals, startOrExit } = await import("@pea/http-kit");

const pdp = await startOrExit("pea", () => startPdp(parsePdpConfig(process.env)));
console.log(`PEA decision service on ${pdp.url}  (docs: ${pdp.url}/docs)`);
closeOnSignals(async () => {
  await pdp.close();
  await tracing?.shutdown();
});
