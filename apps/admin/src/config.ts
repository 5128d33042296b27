import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65_535);

/** Everything the admin app reads from its environment, parsed once at start. */
export const AdminConfig = z.object({
  DATABASE_URL: z.string().url().optional(),
  PEA_DATA_DIR: z.string().default("./.pea"),
  PEA_HOST: z.string().default("127.0.0.1"),
  PEA_ADMIN_PORT: port.default(8701),
  PEA_POLICY_DIR: z.string().optional(),
  PEA_FIRM_DOMAINS: z
    .string()
    .default("meridian.example")
    .transform((s) =>
      s
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
  PEA_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  PEA_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PEA_SEED: z.enum(["demo", "none"]).default("demo"),
  /** Password of the demo accounts created at first start (generated and shown once if unset). */
  PEA_ADMIN_DEMO_PASSWORD: z.string().min(12).optional(),
  /** Mark session cookies Secure (set when served over HTTPS, e.g. behind a TLS proxy). */
  PEA_ADMIN_SECURE_COOKIES: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** How long to wait at start for the store (the PDP serving the embedded store, or seeding). */
  PEA_ADMIN_STORE_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  const parsed = AdminConfig.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}
