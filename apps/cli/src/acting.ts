// Who a command that changes something acts as: the user of the key it is given, authenticated
// against the store. Never a name on the command line: a flag is a claim, a key is a proof.
import type { Database } from "@pea/migrations";
import { ApiKeyError, hasScope, isActiveUser, verifyApiKeyInStore } from "@pea/policy-store";
import type { CliConfig } from "./config.js";
import { UsageError } from "./usage.js";

export interface Acting {
  /** The key's user: an entity id PEA knows. */
  userId: string;
  /** The key, named in every audit record the command writes (with who created it). */
  apiKeyId: string;
}

/** Fails before any work when no key is given (the command would otherwise act as nobody). */
export function requireKey(config: CliConfig): string {
  if (!config.PEA_API_KEY) {
    throw new UsageError(
      "this command acts as you: set PEA_API_KEY to your own key (a user key with the admin scope, e.g. from `pea keys create --name me --user YOU --scope admin`)",
    );
  }
  return config.PEA_API_KEY;
}

/** The authenticated user behind PEA_API_KEY in this store, or a refusal saying what is wrong. */
export async function actingAs(database: Database, config: CliConfig): Promise<Acting> {
  const key = await verifyApiKeyInStore(database, requireKey(config));
  if (!key)
    throw new ApiKeyError("PEA_API_KEY is not a key of this store (unknown, revoked or mistyped)", "unauthorized");
  if (key.kind !== "user" || !key.userId) {
    throw new ApiKeyError(
      `PEA_API_KEY is a ${key.kind} key: the CLI acts as a person, with their user key`,
      "forbidden",
    );
  }
  if (!hasScope(key, "admin")) throw new ApiKeyError("PEA_API_KEY lacks the admin scope", "forbidden");
  if (!(await isActiveUser(database, key.userId))) {
    throw new ApiKeyError(`the key's user ${key.userId} is not active`, "forbidden");
  }
  return { userId: key.userId, apiKeyId: key.id };
}
