export {
  type AdminSession,
  csrfMatches,
  getSession,
  isActiveUser,
  setPassword,
  signInWithApiKey,
  signInWithIdentity,
  signInWithPassword,
  signOut,
  userByClaim,
} from "./accounts.js";
export { ApiKeyCache, ApiKeyError, createApiKey, hasScope, verifyApiKeyInStore } from "./api-keys.js";
export { type Delegation, type Speaker, verifyCaller } from "./caller-binding.js";
export type { TrustedIssuer } from "./idp-tokens.js";
export { admitSubAgentAs, runTokenFor, startRunAs, startRunAsSignedIn } from "./run-access.js";
export { RUN_TOKEN_TYPE, type RunTokenClaims, verifyRunToken } from "./run-tokens.js";
export { sameIdentity } from "./same-identity.js";
