import { parseEnv, port, serviceEnv } from "@pea/schemas";
import { z } from "zod";

/** Everything the admin app reads from its environment, parsed once at start. */
export const AdminConfig = z.object({
  ...serviceEnv,
  PEA_ADMIN_PORT: port.default(8701).describe("Port of the admin app"),
  PEA_ADMIN_DEMO_PASSWORD: z
    .string()
    .min(12)
    .optional()
    .describe("Password of the demo accounts created at first start (generated and shown once if unset)"),
  PEA_ADMIN_SECURE_COOKIES: z
    .enum(["true", "false"])
    .default("false")
    .describe("Mark session cookies Secure (when served over HTTPS, e.g. behind a TLS proxy)")
    .transform((v) => v === "true"),
  PEA_ADMIN_STORE_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe("How long the admin app waits at start for the store (the PDP serving the embedded store, or seeding)"),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  return parseEnv(AdminConfig, env);
}
