// Environment settings more than one app reads. Each app builds its own schema from these and
// parses it once at start; the names, defaults and validation stay the same everywhere.
import { z } from "zod";

export const port = z.coerce.number().int().min(0).max(65_535);

/** Where the store is: Postgres, or the embedded store's directory. */
export const storeEnv = {
  DATABASE_URL: z.string().url().optional(),
  PEA_DATA_DIR: z.string().default("./.pea"),
};

/** The firm's own e-mail domains (comma-separated, case-insensitive). */
export const firmDomainsEnv = {
  PEA_FIRM_DOMAINS: z
    .string()
    .default("meridian.example")
    .transform((s) =>
      s
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
};

/** What every HTTP service of PEA reads. */
export const serviceEnv = {
  ...storeEnv,
  ...firmDomainsEnv,
  PEA_HOST: z.string().default("127.0.0.1"),
  PEA_POLICY_DIR: z.string().optional(),
  PEA_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  PEA_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PEA_SEED: z.enum(["demo", "none"]).default("demo"),
};

/** Parse an environment, or throw naming the first bad setting. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Tracing (OpenTelemetry): off unless an OTLP endpoint is given. */
export const telemetryEnv = {
  /** OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): traces go to `<url>/v1/traces`. Unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The service name spans carry. */
  OTEL_SERVICE_NAME: z.string().min(1).default("pea-pdp"),
  /** Spans are sent in batches at most this many milliseconds apart. */
  PEA_OTEL_EXPORT_DELAY_MS: z.coerce.number().int().min(10).max(60_000).default(5000),
};
