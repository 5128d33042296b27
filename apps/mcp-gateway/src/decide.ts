import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { AuthorizeRequest, Decision, PeaClient } from "@pea/client";
import type { Caller } from "./bearer.js";
import { MappingError, targetOf } from "./mapping.js";
import type { ToolsConfig } from "./tools-config.js";
import type { Catalog } from "./upstreams.js";

/** Where the artifact travels to the tool, and where an agent brings an approved approval back. */
export const ARTIFACT_META_KEY = "pea/artifact";
export const APPROVAL_META_KEY = "pea/approval";

/**
 * Denies of a sample call (the tool's listWith) that depend on the moment or the object, not on who
 * asks for what task: a tool denied only for these could be allowed on another call, so tools/list
 * shows it. Anything else (outside the task, nothing permits it, revoked, no decision) hides it.
 */
const listableDenials = new Set(["approval_required", "barrier", "sod", "object_mismatch"]);

export interface Decider {
  listTools(caller: Caller): Promise<Tool[]>;
  callTool(caller: Caller, name: string, args: Record<string, unknown>, approval?: string): Promise<CallToolResult>;
}

/** The request PEA is asked for: who from the bearer, what from the tool call. */
function requestFor(caller: Caller, target: ReturnType<typeof targetOf>, approval?: string): AuthorizeRequest {
  return {
    principal: { type: "Agent", id: caller.agent },
    chain: caller.user ? [{ type: "User", id: caller.user }] : [],
    ...(caller.intent ? { intent: caller.intent } : {}),
    ...(caller.run ? { run: caller.run } : {}),
    ...target,
    ...(approval ? { approval } : {}),
    delegation: { token: caller.token },
  };
}

/** A refused call as the agent sees it: a tool error naming PEA's reason (and the approval to ask for). */
export function refusal(decision: Decision): CallToolResult {
  const reason = decision.reasons[0] ?? { code: "policy_denied", message: "denied" };
  const approvalId = decision.obligations.find((o) => o.type === "approval")?.approvalId;
  const refused = {
    decision: "deny",
    code: reason.code,
    message: reason.message,
    ...(decision.decisionId ? { decisionId: decision.decisionId } : {}),
    ...(approvalId ? { approvalId } : {}),
  };
  const hint = approvalId
    ? ` A human must approve ${approvalId}; then call again with _meta["${APPROVAL_META_KEY}"] = "${approvalId}".`
    : "";
  return {
    isError: true,
    content: [{ type: "text", text: `Refused by PEA (${reason.code}): ${reason.message}.${hint}` }],
    structuredContent: refused,
    _meta: { "pea/decision": refused },
  };
}

export function createDecider(
  client: Pick<PeaClient, "authorize" | "probe" | "reportOutcome">,
  catalog: Catalog,
  config: ToolsConfig,
  options: { upstreamTimeoutMs: number; onBackgroundError?: (error: unknown) => void },
): Decider & { settled(): Promise<void> } {
  // Outcome reports run after the answer is sent; close() waits for them.
  const pending = new Set<Promise<unknown>>();
  const background = (work: Promise<unknown>) => {
    const tracked = work.catch((error) => options.onBackgroundError?.(error)).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  return {
    async listTools(caller) {
      const entries = [...catalog.tools.values()];
      const probes = entries.map(({ tool }) => {
        const mapping = config.tools[tool.name];
        return requestFor(caller, targetOf(tool.name, mapping, mapping?.listWith ?? {}));
      });
      // Probes act on nothing (no artifact, approval, history or business object), so listing
      // changes no later decision.
      const decisions: Decision[] = [];
      for (let i = 0; i < probes.length; i += 100) decisions.push(...(await client.probe(probes.slice(i, i + 100))));
      return entries
        .filter((_, i) => {
          const d = decisions[i];
          if (d === undefined) return false;
          return (
            d.decision === "allow" || (d.reasons.length > 0 && d.reasons.every((r) => listableDenials.has(r.code)))
          );
        })
        .map(({ tool }) => tool);
    },

    async callTool(caller, name, args, approval) {
      const entry = catalog.tools.get(name);
      if (!entry) return { isError: true, content: [{ type: "text", text: `no tool ${name}` }] };
      let request: AuthorizeRequest;
      try {
        request = requestFor(caller, targetOf(name, config.tools[name], args), approval);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        return refusal({
          decision: "deny",
          reasons: [{ code: "invalid_request", message: error.message }],
          obligations: [],
        });
      }
      const decision = await client.authorize(request);
      if (decision.decision !== "allow" || !decision.artifact) return refusal(decision);
      const { decisionId } = decision;
      const report = (status: "executed" | "failed", detail?: string) => {
        if (decisionId) background(client.reportOutcome(decisionId, status, detail));
      };
      try {
        const result = (await entry.client.callTool(
          { name, arguments: args, _meta: { [ARTIFACT_META_KEY]: decision.artifact } },
          undefined,
          { timeout: options.upstreamTimeoutMs },
        )) as CallToolResult;
        report(result.isError ? "failed" : "executed", result.isError ? "the tool answered an error" : undefined);
        return result;
      } catch (error) {
        // Unknown whether the tool acted (a timeout, a lost connection): no report, so PEA keeps
        // counting the allow in history, the safe side for barriers and duties.
        return { isError: true, content: [{ type: "text", text: `the tool failed: ${(error as Error).message}` }] };
      }
    },

    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
