// OpenTelemetry for the PDP: spans for each HTTP request (W3C trace context from the caller is
// continued), each Postgres query, and the decision pipeline's own spans (policy-store's
// observability/tracing.ts), exported over OTLP/HTTP. Started only when an endpoint is configured,
// before the modules it instruments are loaded (main.ts imports the server afterwards).
import { register } from "node:module";
import { telemetryEnv } from "@pea/schemas";
import { z } from "zod";

export const TelemetryConfig = z.object(telemetryEnv);
export type TelemetryConfig = z.infer<typeof TelemetryConfig>;

export interface Tracing {
  shutdown(): Promise<void>;
}

export async function startTracing(config: TelemetryConfig): Promise<Tracing | undefined> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  // ES modules are instrumented through this loader hook; it must be in place before they load.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const [{ NodeSDK, tracing }, { OTLPTraceExporter }, { HttpInstrumentation }, { PgInstrumentation }] =
    await Promise.all([
      import("@opentelemetry/sdk-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/instrumentation-http"),
      import("@opentelemetry/instrumentation-pg"),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME,
    spanProcessors: [
      new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: config.PEA_OTEL_EXPORT_DELAY_MS }),
    ],
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation()],
    // Traces only: metrics are Prometheus's (GET /metrics), logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
