import { z } from "zod";

export const CliConfig = z.object({
  DATABASE_URL: z.string().url().optional(),
  PEA_DATA_DIR: z.string().default("./.pea"),
  /** Who `pea policy` commands act as (publish author, activation requester/approver); --as overrides. */
  PEA_ACTOR: z.string().optional(),
  /** Ed25519 private key (PKCS#8 PEM file) that signs published policy versions. */
  PEA_POLICY_SIGNING_KEY: z.string().optional(),
  PEA_FIRM_DOMAINS: z
    .string()
    .default("meridian.example")
    .transform((s) =>
      s
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: the store's dev key. */
  PEA_AUDIT_SIGNING_KEY: z.string().optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;
