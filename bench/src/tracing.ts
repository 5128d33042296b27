// npm run bench:tracing — what tracing costs a decision: the demo workload through authorize()
// in-process (decision logging on, decision cache on), first with no OpenTelemetry SDK (as when
// OTEL_EXPORTER_OTLP_ENDPOINT is unset), then with the PDP's SDK exporting every span over
// OTLP/HTTP to a local receiver that accepts and drops them.
// Store: PGlite in memory, or Postgres when DATABASE_URL is set (a fresh database).
import { createServer } from "node:http";
import { startTracing, TelemetryConfig } from "@pea/pdp";
import { measureDemoWorkload } from "./setup.js";
import { decisionLoad, fmt, type Measured } from "./stats.js";

const adminUrl = process.env.DATABASE_URL;
const LOAD = decisionLoad({ sequential: 1_500, concurrent: 3_000 });

const measure = () => measureDemoWorkload(adminUrl, "bench_tracing", LOAD);

let spansReceived = 0;
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on("end", () => {
    spansReceived += (body.match(/"spanId"/g) ?? []).length;
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const address = receiver.address();
const endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

const off = await measure();
const tracing = await startTracing(
  TelemetryConfig.parse({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, PEA_OTEL_EXPORT_DELAY_MS: "1000" }),
);
const on = await measure();
await tracing?.shutdown();
receiver.close();

const row = (name: string, m: Measured) =>
  `${name.padEnd(12)} p50 ${fmt(m.p50)} µs  p99 ${fmt(m.p99)} µs  sequential ${fmt(m.sequentialRate)}/s  ${LOAD.inFlight} in flight ${fmt(m.concurrentRate)}/s`;
console.log(`store: ${adminUrl ? "Postgres" : "PGlite (memory)"}`);
console.log(row("tracing off", off));
console.log(row("tracing on", on));
console.log(
  `cost: p50 ${fmt(on.p50 - off.p50)} µs (${fmt(((on.p50 - off.p50) / off.p50) * 100, 1)} %), throughput ${fmt(((on.concurrentRate - off.concurrentRate) / off.concurrentRate) * 100, 1)} %; spans exported: ${fmt(spansReceived)}`,
);
