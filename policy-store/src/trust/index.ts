export { type Approval, ApprovalError, getApproval, listApprovals, voteOnApproval } from "./approvals.js";
export { redeemArtifact } from "./artifacts.js";
export { listRevocations, revoke, type TrustOptions } from "./revocations.js";
export { describeRun, getRun, startRun } from "./runs.js";
export { openPrivateKey, rotateSigningKey, sealPrivateKey } from "./signing-keys.js";
export { SupervisionError, superviseRun } from "./supervision.js";
