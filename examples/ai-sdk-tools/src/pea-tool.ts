import { type Allowed, type AuthorizeRequest, type PeaClient, PeaDenied } from "@pea/client";

/** What the model reads when PEA refused the call: the reason, and the approval to wait for. */
export interface Refused {
  refused: { code: string; message: string; approvalId?: string };
}

/**
 * An AI SDK tool's `execute` that runs only after PEA allows the request `request` makes of the
 * model's input: `tool({ inputSchema, execute: guardedExecute(client, request, execute) })`. A
 * refusal (PEA being unreachable included) is the tool's result, so the model learns why; the
 * outcome of an allowed call is reported to PEA.
 */
export function guardedExecute<Input, Output>(
  client: PeaClient,
  request: (input: Input) => AuthorizeRequest,
  execute: (input: Input, allowed: Allowed) => Promise<Output>,
): (input: Input) => Promise<Output | Refused> {
  const guarded = client.guard(execute, request);
  return async (input) => {
    try {
      return await guarded(input);
    } catch (error) {
      if (!(error instanceof PeaDenied)) throw error;
      const reason = error.decision.reasons[0] ?? { code: "policy_denied", message: "denied" };
      const { approvalId } = error;
      return { refused: { code: reason.code, message: reason.message, ...(approvalId ? { approvalId } : {}) } };
    }
  };
}
