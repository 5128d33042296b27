import { z } from "zod";

export const CliConfig = z.object({
  DATABASE_URL: z.string().url().optional(),
  PEA_DATA_DIR: z.string().default("./.pea"),
  /** Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: the store's dev key. */
  PEA_AUDIT_SIGNING_KEY: z.string().optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;
