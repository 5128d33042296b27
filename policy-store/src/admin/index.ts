// Admin services: the admin authorizer, entitlement administration (one file per entity), oversight.

export type { AgentRow } from "./agents.js";
export { type AdminAction, AdminAuthorizer, AdminDeniedError, adminActions } from "./authorizer.js";
export {
  type ConsoleOverview,
  consoleOverview,
  type DecisionHour,
  decisionsPerHour,
  failClosedReasons,
  isFailClosed,
} from "./console-overview.js";
export {
  type AdminActor,
  type EntitlementAdminDeps,
  EntitlementError,
  type EntitlementErrorCode,
  ID_PATTERN,
  keyIdOf,
  memberTypes,
  type PrincipalStatus,
  parentTypes,
  principalStatuses,
  type Ref,
} from "./context.js";
export {
  CREDENTIAL_REQUEST_TTL_MS,
  type CredentialRequestRow,
  type PendingCredentialRequest,
} from "./credential-requests.js";
export { type EntitlementAdmin, entitlementAdmin } from "./entitlement-admin.js";
export type { GroupRow, SegmentRow } from "./groups.js";
export type { IntentRow } from "./intents.js";
export type { AdminKeyKind, ApiKeyRow, NewAdminKey } from "./keys.js";
export { AdminOversight, type RunRow, refusalOf } from "./oversight.js";
export type { ResourceRow } from "./resources.js";
export type { UserRow } from "./users.js";
