import { packNames } from "@pea/policy-store";
import { parseEnv, port, serviceEnv, telemetryEnv, tokenAudienceEnv } from "@pea/schemas";
import { z } from "zod";

const commaSeparated = (s: string) =>
  s
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);

/** Identity providers whose delegation tokens PEA accepts (PEA_TRUSTED_ISSUERS). */
const TrustedIssuers = z.array(
  z
    .object({
      issuer: z.string().min(1),
      jwksUri: z
        .string()
        .url()
        .regex(/^https?:\/\//, "an http(s) URL"),
    })
    .strict(),
);

/** Everything the PDP reads from its environment, parsed once at start. */
export const PdpConfig = z.object({
  ...serviceEnv,
  ...telemetryEnv,
  PEA_PDP_PORT: port.default(8700).describe("Port of the decision service"),
  PEA_EMBEDDED_PORT: port
    .default(8703)
    .describe(
      "Loopback port serving the embedded store to the admin app and the CLI while the PDP runs (0: any free port)",
    ),
  PEA_POLICY_TRUSTED_KEYS: z
    .string()
    .default("")
    .describe(
      "Comma-separated key ids (ed25519:…) trusted to sign published policy versions; unset: any valid signature",
    )
    .transform(commaSeparated),
  PEA_BOOTSTRAP_API_KEY: z
    .string()
    .optional()
    .describe("Admin API key (pea_<id>.<secret>) created on first start instead of printing a generated one"),
  PEA_HISTORY_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(86_400)
    .describe("How far back context.history looks, in seconds"),
  PEA_DECISION_CACHE_SIZE: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(10_000)
    .describe("Single-link Cedar answers kept per process; 0 turns the decision cache off"),
  PEA_DECISION_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(2000)
    .describe("Every decision is answered within this many ms; past it the answer is deny store_unavailable"),
  PEA_STORE_ACQUIRE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(1000)
    .describe("Postgres: how long a statement waits for a pooled connection (or a new one) before it fails"),
  PEA_STORE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(5000)
    .describe("Postgres: statement_timeout of the PDP's connections (migrations are exempt)"),
  PEA_READY_PROBE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(1000)
    .describe("/readyz answers 503 when the store does not answer a probe within this many ms"),
  PEA_AUDIT_CHECKPOINT_EVERY: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe("Sign an audit checkpoint every this many records this process writes"),
  PEA_AUDIT_CHECKPOINT_SECONDS: z.coerce
    .number()
    .min(0)
    .default(60)
    .describe("...and every this many seconds when it wrote anything (0: only by count)"),
  PEA_AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .describe(
      "Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: a development key kept in the store",
    ),
  PEA_ARTIFACT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe("Lifetime of an authorization artifact, in seconds"),
  PEA_APPROVAL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600)
    .describe("How long an approval may be decided and then used, in seconds"),
  PEA_SIGNING_KEY_PASSPHRASE: z
    .string()
    .min(12)
    .optional()
    .describe("Encrypts artifact signing keys at rest (the same value in every PDP); unset: stored plain"),
  PEA_SIGNING_KEY_ROTATE_DAYS: z.coerce
    .number()
    .min(0.001)
    .default(30)
    .describe("Rotate the artifact signing key after this many days; the previous key stays published for an hour"),
  PEA_ISSUER: z.string().min(1).default("pea").describe("`iss` of the run tokens PEA signs"),
  ...tokenAudienceEnv,
  PEA_RUN_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .default(900)
    .describe("Longest life of a run token, in seconds (never beyond its run)"),
  PEA_TRUSTED_ISSUERS: z
    .string()
    .default("[]")
    .transform((text, ctx) => {
      try {
        return TrustedIssuers.parse(JSON.parse(text));
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `a JSON list of {issuer, jwksUri}: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .describe(
      'Identity providers whose token-exchange tokens (sub the human, act.sub the agent) PEA accepts as delegation: JSON [{"issuer":"https://idp.example","jwksUri":"https://idp.example/jwks"}]',
    ),
  PEA_PACK: z
    .enum(packNames)
    .optional()
    .describe(
      "Serve one AuthZEN interop pack (policy-store/packs/<name>) instead of the demo bank; its embedded store defaults to ./.pea-<name>",
    ),
});
export type PdpConfig = z.infer<typeof PdpConfig>;

export function parsePdpConfig(env: Record<string, string | undefined>): PdpConfig {
  const config = parseEnv(PdpConfig, env);
  if (config.PEA_PACK && env.PEA_DATA_DIR === undefined)
    return { ...config, PEA_DATA_DIR: `./.pea-${config.PEA_PACK}` };
  return config;
}
