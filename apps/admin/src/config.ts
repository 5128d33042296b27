import { parseEnv, port, serviceEnv } from "@pea/schemas";
import { z } from "zod";
import type { OidcSettings } from "./oidc.js";

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
  PEA_ADMIN_MAX_JSON_DEPTH: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(32)
    .describe("Deepest nesting of objects and arrays a JSON body to the admin app may have (deeper is a 400)"),
  PEA_ADMIN_OIDC_ISSUER: z
    .string()
    .url()
    .optional()
    .describe(
      "The firm's OpenID Connect provider for admin sign-in (unset: no such button; then the four below are needed)",
    ),
  PEA_ADMIN_OIDC_CLIENT_ID: z.string().min(1).optional().describe("The admin app's client id at the OpenID provider"),
  PEA_ADMIN_OIDC_CLIENT_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe("The admin app's client secret at the OpenID provider"),
  PEA_ADMIN_OIDC_REDIRECT_URI: z
    .string()
    .url()
    .optional()
    .describe("This app's callback as registered at the provider: https://<host>/login/oidc/callback"),
  PEA_ADMIN_OIDC_CLAIM: z
    .string()
    .min(1)
    .default("email")
    .describe(
      'The claim naming the PEA user: "email" (verified) matches a user\'s e-mail, any other claim the user id',
    ),
  PEA_ADMIN_OIDC_NAME: z
    .string()
    .min(1)
    .default("your firm's sign-in")
    .describe('The provider\'s name on the sign-in button ("Sign in with …")'),
  PEA_ADMIN_STORE_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe("How long the admin app waits at start for the store (the PDP serving the embedded store, or seeding)"),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

/** The OpenID Connect settings, when an issuer is configured (then the client and callback must be too). */
export function oidcSettingsOf(config: AdminConfig): OidcSettings | undefined {
  if (!config.PEA_ADMIN_OIDC_ISSUER) return undefined;
  const missing = (
    ["PEA_ADMIN_OIDC_CLIENT_ID", "PEA_ADMIN_OIDC_CLIENT_SECRET", "PEA_ADMIN_OIDC_REDIRECT_URI"] as const
  ).filter((k) => !config[k]);
  if (missing.length > 0) throw new Error(`PEA_ADMIN_OIDC_ISSUER is set, so ${missing.join(", ")} must be too`);
  return {
    issuer: config.PEA_ADMIN_OIDC_ISSUER,
    clientId: config.PEA_ADMIN_OIDC_CLIENT_ID as string,
    clientSecret: config.PEA_ADMIN_OIDC_CLIENT_SECRET as string,
    redirectUri: config.PEA_ADMIN_OIDC_REDIRECT_URI as string,
    claim: config.PEA_ADMIN_OIDC_CLAIM,
    name: config.PEA_ADMIN_OIDC_NAME,
  };
}

export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  return parseEnv(AdminConfig, env);
}
