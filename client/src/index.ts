// @pea/client: ask PEA before acting. Decisions fail closed (a deny when the PDP cannot answer);
// guard() runs a function only after an allow and reports what became of it.

export { type ArtifactClaims, ArtifactError, requestDigest } from "@pea/verifier";
export { type ApprovalWait, createPeaClient, localDeny, type PeaClient } from "./client.js";
export { type Allowed, guarded, PeaDenied } from "./guard.js";
export { type PdpConnection, PdpRefused, PdpUnavailable, RequestUnsendable } from "./http.js";
export type {
  Approval,
  AuthorizeRequest,
  Decision,
  EntityRef,
  OutcomeStatus,
  Reason,
  Run,
  StartRunRequest,
} from "./types.js";
