import { configFileEnv, firmDomainsEnv, policyDirEnv, storeEnv } from "@pea/schemas";
import { z } from "zod";

export const CliConfig = z.object({
  ...configFileEnv,
  ...storeEnv,
  PEA_API_KEY: z
    .string()
    .optional()
    .describe(
      "Your own API key (a user key with the admin scope): commands that change something (policy publish, activate, rollback, approve, four-eyes, shadow; membership add; sod declare) act as its user, never as a name given on the command line",
    ),
  PEA_POLICY_SIGNING_KEY: z
    .string()
    .optional()
    .describe(
      "Ed25519 private key (PKCS#8 PEM file) that signs published policy versions; unset: one kept in PEA_DATA_DIR",
    ),
  ...firmDomainsEnv,
  ...policyDirEnv,
  PEA_AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .describe(
      "Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: the store's development key",
    ),
});
export type CliConfig = z.infer<typeof CliConfig>;
