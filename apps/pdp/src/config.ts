import { packNames } from "@pea/policy-store";
import { parseEnv, port, serviceEnv, telemetryEnv } from "@pea/schemas";
import { z } from "zod";

/** Everything the PDP reads from its environment, parsed once at start. */
export const PdpConfig = z.object({
  ...serviceEnv,
  ...telemetryEnv,
  PEA_PDP_PORT: port.default(8700),
  /** Port serving the embedded store to the admin app and CLI (0: any free port). */
  PEA_EMBEDDED_PORT: port.default(0),
  /** Comma-separated key ids (ed25519:…) trusted to sign published policy versions; unset: any valid signature. */
  PEA_POLICY_TRUSTED_KEYS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    ),
  PEA_BOOTSTRAP_API_KEY: z.string().optional(),
  /** How far back context.history looks (seconds). */
  PEA_HISTORY_WINDOW_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** Single-link Cedar answers kept per process (policy-store/src/link-cache.ts); 0 turns the cache off. */
  PEA_DECISION_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /** Sign an audit checkpoint every this many records this process writes... */
  PEA_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1000),
  /** ...and every this many seconds when it wrote anything (0: only by count). */
  PEA_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().min(0).default(60),
  /** Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: a key kept in the store (dev). */
  PEA_AUDIT_SIGNING_KEY: z.string().optional(),
  /** Lifetime of an authorization artifact, in seconds. */
  PEA_ARTIFACT_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** How long an approval may be decided and then used, in seconds. */
  PEA_APPROVAL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),
  /** Encrypts artifact signing keys at rest in the store (the same value in every PDP); unset: stored plain. */
  PEA_SIGNING_KEY_PASSPHRASE: z.string().min(12).optional(),
  /** Rotate the artifact signing key after this many days; the previous key stays published for an hour. */
  PEA_SIGNING_KEY_ROTATE_DAYS: z.coerce.number().min(0.001).default(30),
  /**
   * Serve one AuthZEN interop pack (policy-store/packs/<name>) instead of the demo bank: its schema,
   * policies and seed. Its embedded store defaults to ./.pea-<name>, apart from the bank's.
   */
  PEA_PACK: z.enum(packNames).optional(),
});
export type PdpConfig = z.infer<typeof PdpConfig>;

export function parsePdpConfig(env: Record<string, string | undefined>): PdpConfig {
  const config = parseEnv(PdpConfig, env);
  if (config.PEA_PACK && env.PEA_DATA_DIR === undefined)
    return { ...config, PEA_DATA_DIR: `./.pea-${config.PEA_PACK}` };
  return config;
}
