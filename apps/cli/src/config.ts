import { configFileEnv, firmDomainsEnv, storeEnv } from "@pea/schemas";
import { z } from "zod";

export const CliConfig = z.object({
  ...configFileEnv,
  ...storeEnv,
  PEA_ACTOR: z
    .string()
    .optional()
    .describe(
      "Who `pea policy` commands act as (publish author, activation requester/approver); --as overrides; unset: git user.email, else the OS user",
    ),
  PEA_POLICY_SIGNING_KEY: z
    .string()
    .optional()
    .describe(
      "Ed25519 private key (PKCS#8 PEM file) that signs published policy versions; unset: one kept in PEA_DATA_DIR",
    ),
  ...firmDomainsEnv,
  PEA_AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .describe(
      "Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: the store's development key",
    ),
});
export type CliConfig = z.infer<typeof CliConfig>;
