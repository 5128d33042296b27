export { type AdminAction, AdminAuthorizer, AdminDeniedError, adminActions } from "./authorizer.js";
export {
  type AdminActor,
  type AgentRow,
  type ApiKeyRow,
  EntitlementAdmin,
  EntitlementError,
  type GroupRow,
  type IntentRow,
  type ResourceRow,
  type SegmentRow,
  type UserRow,
} from "./entitlements.js";
export { AdminOversight, type RunRow, refusalOf } from "./oversight.js";
