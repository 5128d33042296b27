import type { AuthorizeRequest } from "@pea/schemas";
import type { DecisionEngine } from "../engine/engine.js";
import { consumeApproval, openApproval } from "../trust/approvals.js";
import { issueArtifact } from "../trust/artifacts.js";
import { revocationDeny } from "../trust/revocations.js";
import { type Decision, deny } from "./decision.js";

/** How authorize() applies runtime trust: revocations, approvals, artifacts. Fail-closed throughout. */

/** A deny when the request touches anything revoked; a deny too while revocations are not loaded. */
export function revokedDecision(request: AuthorizeRequest, trust: DecisionEngine["trust"]): Decision | undefined {
  if (!trust.loaded) return deny("store_unavailable", "revocations are not loaded");
  return revocationDeny(request, trust);
}

export interface SettledApproval {
  outcome: Decision;
  /** The approval asked for (obligation) or spent (allow). */
  approvalId?: string | undefined;
  /** Who approved it, when spent. */
  approvers?: string[] | undefined;
}

/**
 * When only approval rules stand between the request and an allow: spend the approval the caller
 * brings if it was approved for exactly this request and not used yet (allow, once); otherwise
 * deny approval_required with an obligation naming the approval for this request (the same one
 * each time it is asked, until it is used, rejected or expired).
 */
export async function settleApproval(
  engine: DecisionEngine,
  request: AuthorizeRequest,
  outcome: Decision,
  decisionId: string,
  apiKeyId: string | null,
): Promise<SettledApproval> {
  const need = outcome.decision === "deny" ? outcome.approval : undefined;
  if (!need) return { outcome };
  const { evidence: _evidence, delegation: _delegation, approval: brought, ...evaluated } = request;
  try {
    let notice: string | undefined;
    if (brought !== undefined) {
      const spent = await consumeApproval(engine.database, brought, evaluated, decisionId);
      if (spent.ok) {
        return {
          outcome: {
            decision: "allow",
            reasons: [],
            obligations: [],
            determiningPolicies: outcome.determiningPolicies,
          },
          approvalId: brought,
          approvers: spent.approvers,
        };
      }
      notice = spent.why;
    }
    const approvalId = await openApproval(engine.database, evaluated, need, {
      decisionId,
      apiKeyId,
      ttlSeconds: engine.trust.approvalTtlSeconds,
    });
    const reasons = notice
      ? outcome.reasons.map((r, i) => (i === 0 ? { ...r, message: `${notice}; ${r.message}` } : r))
      : outcome.reasons;
    return {
      outcome: { ...outcome, reasons, obligations: [...outcome.obligations, { type: "approval", approvalId }] },
      approvalId,
    };
  } catch (error) {
    return { outcome: deny("store_unavailable", `approvals could not be read: ${(error as Error).message}`) };
  }
}

/** Sign the artifact of an allow; an allow that cannot be signed is a deny. */
export async function signAllow(
  engine: DecisionEngine,
  request: AuthorizeRequest,
  outcome: Decision,
  decision: { decisionId: string; policyVersion: string; entitlementVersion: number; approval: SettledApproval },
): Promise<{ outcome: Decision; artifact?: string | undefined }> {
  if (outcome.decision !== "allow") return { outcome };
  try {
    const { token } = await issueArtifact(engine.trust, request, {
      decisionId: decision.decisionId,
      policyVersion: decision.policyVersion,
      entitlementVersion: decision.entitlementVersion,
      approval: decision.approval.approvers ? decision.approval.approvalId : undefined,
    });
    return { outcome, artifact: token };
  } catch (error) {
    return {
      outcome: deny("store_unavailable", `the authorization artifact could not be signed: ${(error as Error).message}`),
    };
  }
}
