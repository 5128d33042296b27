import { type ArtifactClaims, createVerifier, type DigestibleRequest, type Verifier } from "@pea/verifier";
import { type Allowed, guarded } from "./guard.js";
import { type PdpConnection, PdpRefused, PdpUnavailable, pdpCall, RequestUnsendable } from "./http.js";
import type { Approval, AuthorizeRequest, Decision, OutcomeStatus, Run, StartRunRequest } from "./types.js";

/** A deny the client gives itself: there was no decision to read, so nothing may run. */
export function localDeny(error: unknown): Decision {
  const code =
    error instanceof PdpRefused
      ? "request_refused"
      : error instanceof RequestUnsendable
        ? "invalid_request"
        : "pdp_unavailable";
  const message = error instanceof Error ? error.message : String(error);
  return { decision: "deny", reasons: [{ code, message }], obligations: [] };
}

/** A well-formed allow carries an artifact; anything else is read as a deny. */
function checked(answer: Decision): Decision {
  if (answer.decision === "allow" && typeof answer.artifact === "string") return answer;
  if (answer.decision === "deny" && Array.isArray(answer.reasons)) return answer;
  return localDeny(new PdpUnavailable("the PDP's answer is not a decision"));
}

export interface ApprovalWait {
  /** Give up after this many milliseconds (the approval stays pending). */
  timeoutMs: number;
  /** Ask this often (default 1000 ms). */
  pollMs?: number;
}

export type PeaClient = ReturnType<typeof createPeaClient>;

/**
 * PEA's client. Decisions fail closed: authorize() answers a deny, never throws, when the PDP is
 * unreachable, slow or failing. The other calls (runs, outcomes, approvals) throw PdpUnavailable
 * or PdpRefused: they do not gate an action.
 */
export function createPeaClient(connection: PdpConnection) {
  const call = pdpCall(connection);
  let verifier: Verifier | undefined;
  const artifacts = () => {
    verifier ??= createVerifier({
      pdpUrl: connection.url,
      apiKey: connection.apiKey,
      ...(connection.fetch ? { fetch: connection.fetch } : {}),
    });
    return verifier;
  };

  const authorize = async (request: AuthorizeRequest): Promise<Decision> => {
    try {
      return checked(await call<Decision>("POST", "/v1/authorize", request));
    } catch (error) {
      return localDeny(error);
    }
  };

  /** Up to 100 requests in one call; any failure is a deny for each. */
  const batch =
    (path: string, read: (answer: Decision) => Decision) =>
    async (requests: AuthorizeRequest[]): Promise<Decision[]> => {
      try {
        const { responses } = await call<{ responses: Decision[] }>("POST", path, { requests });
        if (!Array.isArray(responses) || responses.length !== requests.length)
          throw new PdpUnavailable("the PDP's batch answer does not match the requests");
        return responses.map(read);
      } catch (error) {
        return requests.map(() => localDeny(error));
      }
    };
  const authorizeBatch = batch("/v1/authorize/batch", checked);
  // A probe's allow carries no artifact: it permits nothing.
  const probe = batch("/v1/authorize/probe", (answer) =>
    answer.decision === "allow" || (answer.decision === "deny" && Array.isArray(answer.reasons))
      ? answer
      : localDeny(new PdpUnavailable("the PDP's answer is not a decision")),
  );

  const getApproval = (id: string) => call<Approval>("GET", `/v1/approvals/${encodeURIComponent(id)}`);

  const decisions = {
    authorize,
    authorizeBatch,
    /**
     * Would these be allowed now? Decided and recorded, acting on nothing: no artifact, no approval
     * opened, nothing in history. To show what could be offered; the action itself must be authorized.
     */
    probe,
    /** True only for an allow. */
    isAllowed: async (request: AuthorizeRequest) => (await authorize(request)).decision === "allow",

    /** Start a run (scope `runs`): its id, status and, where PEA issues them, its run token. */
    startRun: (request: StartRunRequest) => call<Run>("POST", "/v1/runs", request),
    getRun: (id: string) => call<Run>("GET", `/v1/runs/${encodeURIComponent(id)}`),
    /** A fresh run token for a run this key may speak for. */
    runToken: (id: string) =>
      call<{ token: string; expiresAt: string }>("GET", `/v1/runs/${encodeURIComponent(id)}/token`),
    /** What became of an allowed action (once per decision). */
    reportOutcome: (decisionId: string, status: OutcomeStatus, detail?: string) =>
      call<{ decisionId: string; status: OutcomeStatus; reportedAt: string }>(
        "POST",
        `/v1/decisions/${encodeURIComponent(decisionId)}/outcome`,
        detail === undefined ? { status } : { status, detail },
      ),

    getApproval,
    /**
     * Wait until a human decides the approval (approved, rejected, expired or used) or the time is
     * up; answers the approval as last seen, so `status === "pending"` means the wait timed out.
     */
    async waitForApproval(id: string, wait: ApprovalWait): Promise<Approval> {
      const deadline = Date.now() + wait.timeoutMs;
      for (;;) {
        const approval = await getApproval(id);
        const left = deadline - Date.now();
        if (approval.status !== "pending" || left <= 0) return approval;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait.pollMs ?? 1000, left)));
      }
    },

    /** Offline: signature, expiry and (when given) that the artifact is for this request. */
    verifyArtifact: (artifact: string, request?: DigestibleRequest): Promise<ArtifactClaims> =>
      artifacts().verify(artifact, request ? { request } : undefined),
    /** Online, once: what a tool calls right before it acts (verify, then redeem at the PDP). */
    redeemArtifact: (artifact: string, request: DigestibleRequest): Promise<ArtifactClaims> =>
      artifacts().check(artifact, request),
  };
  return {
    ...decisions,
    /**
     * Wrap `tool` so it runs only after PEA allows the request `mapping` makes of its arguments
     * (see guarded()).
     */
    guard: <Args, Result>(
      tool: (args: Args, allowed: Allowed) => Promise<Result> | Result,
      mapping: (args: Args) => AuthorizeRequest,
    ) => guarded(decisions, tool, mapping),
  };
}
