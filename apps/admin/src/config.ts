import { parseEnv, port, serviceEnv } from "@pea/schemas";
import { z } from "zod";

/** Everything the admin app reads from its environment, parsed once at start. */
export const AdminConfig = z.object({
  ...serviceEnv,
  PEA_ADMIN_PORT: port.default(8701),
  /** Password of the demo accounts created at first start (generated and shown once if unset). */
  PEA_ADMIN_DEMO_PASSWORD: z.string().min(12).optional(),
  /** Mark session cookies Secure (set when served over HTTPS, e.g. behind a TLS proxy). */
  PEA_ADMIN_SECURE_COOKIES: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Deepest nesting of objects and arrays a JSON body may have (deeper is a 400). */
  PEA_ADMIN_MAX_JSON_DEPTH: z.coerce.number().int().min(2).max(1000).default(32),
  /** How long to wait at start for the store (the PDP serving the embedded store, or seeding). */
  PEA_ADMIN_STORE_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  return parseEnv(AdminConfig, env);
}
