import { firmDomainsEnv, storeEnv } from "@pea/schemas";
import { z } from "zod";

export const CliConfig = z.object({
  ...storeEnv,
  /** Who `pea policy` commands act as (publish author, activation requester/approver); --as overrides. */
  PEA_ACTOR: z.string().optional(),
  /** Ed25519 private key (PKCS#8 PEM file) that signs published policy versions. */
  PEA_POLICY_SIGNING_KEY: z.string().optional(),
  ...firmDomainsEnv,
  /** Ed25519 key (PKCS#8 PEM or base64url DER) signing audit checkpoints; unset: the store's dev key. */
  PEA_AUDIT_SIGNING_KEY: z.string().optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;
