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

let pdp: Awaited<ReturnType<typeof startPdp>>;
try {
  pdp = await startPdp(parsePdpConfig(process.env));
} catch (error) {
  console.error(`pea: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`PEA decision service on ${pdp.url}  (docs: ${pdp.url}/docs)`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (closing) return;
    closing = true;
    await pdp.close();
    await tracing?.shutdown();
    process.exit(0);
  });
}
