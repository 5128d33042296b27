export {
  type AdminSession,
  csrfMatches,
  getSession,
  signInWithApiKey,
  signInWithIdentity,
  signInWithPassword,
  signOut,
} from "./accounts.js";
export { ApiKeyCache, ApiKeyError, createApiKey, hasScope } from "./api-keys.js";
export { type Delegation, type Speaker, verifyCaller } from "./caller-binding.js";
export type { TrustedIssuer } from "./idp-tokens.js";
export { admitSubAgentAs, runTokenFor, startRunAs } from "./run-access.js";
export { RUN_TOKEN_TYPE, type RunTokenClaims, verifyRunToken } from "./run-tokens.js";
