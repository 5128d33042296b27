import { parsePdpConfig } from "./config.js";
import { type RunningPdp, startPdp } from "./server.js";

let pdp: RunningPdp;
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
    process.exit(0);
  });
}
