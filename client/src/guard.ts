import type { AuthorizeRequest, Decision } from "./types.js";

/** The call was not allowed: the wrapped function did not run. */
export class PeaDenied extends Error {
  override readonly name = "PeaDenied";
  constructor(readonly decision: Decision) {
    const first = decision.reasons[0];
    super(first ? `${first.code}: ${first.message}` : "denied");
  }
  /** The approval to ask a human for, when only an approval stands between the call and an allow. */
  get approvalId(): string | undefined {
    return this.decision.obligations.find((o) => o.type === "approval")?.approvalId;
  }
}

/** What the guarded function receives beside its arguments: the allow it runs under. */
export interface Allowed {
  artifact: string;
  decisionId: string | undefined;
  request: AuthorizeRequest;
}

/**
 * Wrap `tool` so it runs only after PEA allows the request `mapping` makes of its arguments. The
 * artifact is handed to the tool; afterwards the outcome is reported (executed, or failed when
 * the tool throws). A deny (including the client's own, when the PDP cannot answer) throws
 * PeaDenied before the tool is called.
 */
export function guarded<Args, Result>(
  client: {
    authorize(request: AuthorizeRequest): Promise<Decision>;
    reportOutcome(decisionId: string, status: "executed" | "failed", detail?: string): Promise<unknown>;
  },
  tool: (args: Args, allowed: Allowed) => Promise<Result> | Result,
  mapping: (args: Args) => AuthorizeRequest,
): (args: Args) => Promise<Result> {
  return async (args: Args) => {
    const request = mapping(args);
    const decision = await client.authorize(request);
    if (decision.decision !== "allow" || decision.artifact === undefined) throw new PeaDenied(decision);
    const { decisionId } = decision;
    const report = async (status: "executed" | "failed", detail?: string) => {
      // An unreported allow still counts as executed in PEA's history: losing a report is safe.
      if (decisionId) await client.reportOutcome(decisionId, status, detail).catch(() => undefined);
    };
    let result: Result;
    try {
      result = await tool(args, { artifact: decision.artifact, decisionId, request });
    } catch (error) {
      await report("failed", (error as Error).message?.slice(0, 2000));
      throw error;
    }
    await report("executed");
    return result;
  };
}
