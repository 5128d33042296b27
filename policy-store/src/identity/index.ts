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
