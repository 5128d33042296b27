// The PDP's wire shapes as a client sees them (the server's zod contracts live in @pea/schemas,
// which a tool should not need to install). Kept to what the client reads and sends.

export interface EntityRef {
  type: string;
  id: string;
}

export interface AuthorizeRequest {
  principal: EntityRef;
  chain?: EntityRef[];
  intent?: string;
  run?: string;
  action: string;
  resource: EntityRef & { attributes?: Record<string, unknown> };
  context?: Record<string, unknown>;
  evidence?: Record<string, unknown>;
  /** An approved approval for exactly this request (used once). */
  approval?: string;
  /** Evidence of the human links of the chain: a PEA run token or a trusted IdP token. */
  delegation?: { token: string };
}

/**
 * Why a request was denied. The PDP's codes, plus two the client gives itself when there was no
 * decision to read: `pdp_unavailable` (timeout, network, 5xx) and `request_refused` (a 4xx).
 */
export interface Reason {
  code: string;
  message: string;
  policy?: string;
  link?: string;
}

export interface Decision {
  decision: "allow" | "deny";
  /** Absent when the client denied by itself (no decision was recorded). */
  decisionId?: string;
  reasons: Reason[];
  obligations: Array<{ type: string; approvalId?: string; [key: string]: unknown }>;
  artifact?: string;
  policyVersion?: string;
  entitlementVersion?: number;
}

export interface StartRunRequest {
  principal: EntityRef;
  chain?: EntityRef[];
  intent: string;
  purpose?: string;
  ttlSeconds?: number;
}

export interface Run {
  id: string;
  principal: EntityRef;
  chain: EntityRef[];
  intent: string;
  purpose: string | null;
  status: "active" | "paused" | "cancelled" | "completed";
  expiresAt: string;
  createdAt: string;
  /** The run token (issued by PEAs that verify delegation). */
  token?: string;
}

export type OutcomeStatus = "executed" | "failed" | "aborted";

export interface Approval {
  id: string;
  status: "pending" | "approved" | "rejected" | "expired" | "used";
  requestDigest: string;
  request: Omit<AuthorizeRequest, "approval" | "delegation" | "evidence"> & {
    intent: string | null;
    run: string | null;
  };
  requirements: Array<{ policy: string; group: string; approvers: number }>;
  votes: Array<{ user: string; vote: "approve" | "reject"; reason: string | null; at: string }>;
  expiresAt: string;
  decidedAt: string | null;
  reason: string | null;
  usedAt: string | null;
}
