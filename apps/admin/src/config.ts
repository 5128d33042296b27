import { parseEnv, port, serviceEnv } from "@pea/schemas";
import { z } from "zod";
import type { OidcSettings } from "./oidc.js";

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
  /**
   * Sign-in through the firm's OpenID Connect provider (authorization code + PKCE). All optional;
   * without an issuer the sign-in page offers local passwords and API keys only.
   */
  PEA_ADMIN_OIDC_ISSUER: z.string().url().optional(),
  PEA_ADMIN_OIDC_CLIENT_ID: z.string().min(1).optional(),
  PEA_ADMIN_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** This app's callback as registered at the provider, e.g. https://pea-admin.firm.example/login/oidc/callback. */
  PEA_ADMIN_OIDC_REDIRECT_URI: z.string().url().optional(),
  /** The ID token claim naming the PEA user: "email" (verified) matches a user's e-mail, any other claim the user id. */
  PEA_ADMIN_OIDC_CLAIM: z.string().min(1).default("email"),
  /** The provider's name on the sign-in button ("Sign in with …"). */
  PEA_ADMIN_OIDC_NAME: z.string().min(1).default("your firm's sign-in"),
  /** How long to wait at start for the store (the PDP serving the embedded store, or seeding). */
  PEA_ADMIN_STORE_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
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
