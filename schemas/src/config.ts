// Environment settings more than one app reads. Each app builds its own schema from these and
// parses it once at start; the names, defaults and validation stay the same everywhere. Every
// setting carries its meaning (`.describe`): docs/configuration.md is generated from them.
import { readFileSync } from "node:fs";
import { z } from "zod";

export const port = z.coerce.number().int().min(0).max(65_535);

/** Where the store is: Postgres, or the embedded store's directory. */
export const storeEnv = {
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .describe("Postgres connection URL. Unset: the embedded store (PGlite) on disk in PEA_DATA_DIR"),
  PEA_DATA_DIR: z
    .string()
    .default("./.pea")
    .describe("Directory of the embedded store (and of development keys kept beside it)"),
};

/** The firm's own e-mail domains (comma-separated, case-insensitive). */
export const firmDomainsEnv = {
  PEA_FIRM_DOMAINS: z
    .string()
    .default("meridian.example")
    .describe("Comma-separated e-mail domains of the firm; an address outside them is external")
    .transform((s) =>
      s
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
};

/** The audience of the bearer tokens PEA accepts: the PDP checks it, the MCP gateway refuses others early. */
export const tokenAudienceEnv = {
  PEA_AUDIENCE: z
    .string()
    .min(1)
    .default("pea")
    .describe("The audience (`aud`) every run token and identity-provider token presented to PEA must name"),
};

/** Settings may also come from a file. */
export const configFileEnv = {
  PEA_CONFIG_FILE: z
    .string()
    .optional()
    .describe("A JSON file of settings by these names (strings, numbers, booleans); the environment overrides it"),
};

/** The policies PDPs serve while no version is published (and what `pea policy diff` compares with then). */
export const policyDirEnv = {
  PEA_POLICY_DIR: z
    .string()
    .optional()
    .describe(
      "Cedar policy directory, served only while no policy version is published (default: the shipped policies)",
    ),
};

/** What every HTTP service of PEA reads. */
export const serviceEnv = {
  ...configFileEnv,
  ...storeEnv,
  ...firmDomainsEnv,
  PEA_HOST: z.string().default("127.0.0.1").describe("Address the HTTP services listen on"),
  ...policyDirEnv,
  PEA_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024)
    .describe("Largest request body accepted; larger is a 413"),
  PEA_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("Log level (pino)"),
  PEA_SEED: z
    .enum(["demo", "none"])
    .default("demo")
    .describe("`none` starts with an empty store instead of the demo bank"),
};

/** Tracing (OpenTelemetry): off unless an OTLP endpoint is given. */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe(
      "OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318); traces go to <url>/v1/traces. Unset: tracing off",
    ),
  OTEL_SERVICE_NAME: z.string().min(1).default("pea-pdp").describe("Service name the spans carry"),
  PEA_OTEL_EXPORT_DELAY_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(5000)
    .describe("Spans are exported in batches at most this many milliseconds apart"),
};

/**
 * The settings a process starts with: its environment over an optional file named by
 * PEA_CONFIG_FILE (a JSON object of the same names; the environment wins). Both go through the
 * same schema.
 */
export function settingsFrom(
  env: Record<string, string | undefined>,
  known?: readonly string[],
): Record<string, string | undefined> {
  const file = env.PEA_CONFIG_FILE;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`configuration: PEA_CONFIG_FILE ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`configuration: PEA_CONFIG_FILE ${file}: expected a JSON object of settings`);
  const fromFile: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (known && !known.includes(name))
      throw new Error(`configuration: PEA_CONFIG_FILE ${file}: ${name}: not a setting of this program`);
    if (typeof value === "object" && value !== null)
      throw new Error(`configuration: PEA_CONFIG_FILE ${file}: ${name}: expected a string, number or boolean`);
    fromFile[name] = String(value);
  }
  return { ...fromFile, ...env };
}

/** Parse an environment (and PEA_CONFIG_FILE, when set), or throw naming the first bad setting. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
  const parsed = schema.safeParse(settingsFrom(env, known));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}
