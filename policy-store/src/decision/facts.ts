import type { EntityRef } from "@pea/schemas";
import type { DecisionEngine } from "../engine/engine.js";
import {
  actorsOf,
  type DecisionEffects,
  emptyHistory,
  type HistoryQuery,
  labelsOf,
  loadHistory,
} from "../governance/history.js";
import type { LoadedPolicySet } from "../policy/types.js";
import { getRun, type Run } from "../trust/runs.js";
import { type Decision, type DecisionRequest, deny } from "./decision.js";
import type { DecisionFacts } from "./inputs.js";

/**
 * Look up what PEA itself knows about a request before deciding it: the run it names and the
 * history its policies may consult (history.ts). Anything that cannot be read is a deny
 * (fail-closed). Callers never supply any of this.
 */
export async function lookupFacts(
  engine: DecisionEngine,
  request: DecisionRequest,
  /** The run, when already read for this request (the caller check reads it first). */
  known?: Run | null | undefined,
): Promise<DecisionFacts | Decision> {
  const now = engine.now();
  const inputs = engine.inputs();
  try {
    const runLookup =
      request.run === undefined
        ? undefined
        : known !== undefined
          ? Promise.resolve(known)
          : getRun(engine.database, request.run);
    const { human } = actorsOf(request);
    // Only what the policies that can apply read is looked up (policy-slices.ts).
    const needsHistory = "decision" in inputs || readsHistory(inputs.policies, request);
    const history = needsHistory
      ? loadHistory(engine.database, historyQueryOf(engine, request, now))
      : Promise.resolve(emptyHistory());
    const [run, loaded] = await Promise.all([runLookup, history]);
    return {
      now,
      run: request.run !== undefined ? (run ?? null) : undefined,
      history: loaded,
      // Kept in memory by every PDP (trust.ts): no round trip.
      crossings: engine.trust.crossingsOf(human, now),
    };
  } catch (error) {
    return deny("store_unavailable", `PEA's records could not be read: ${(error as Error).message}`);
  }
}

/** The history a request's policies read: its run, agents and human over the window, and its business object. */
export function historyQueryOf(engine: DecisionEngine, request: DecisionRequest, now: Date): HistoryQuery {
  const inputs = engine.inputs();
  const { agents, human } = actorsOf(request);
  const isObject =
    "decision" in inputs ? false : inputs.schema.entityTypes.get(request.resource.type)?.source === "caller";
  return {
    runId: request.run ?? null,
    agents,
    human,
    since: new Date(now.getTime() - engine.historyWindowSeconds * 1000),
    object: isObject ? { type: request.resource.type, id: request.resource.id } : undefined,
  };
}

/** Whether a policy that can apply to some link of the request reads context.history. */
export function readsHistory(policies: LoadedPolicySet, request: DecisionRequest): boolean {
  for (const link of [...request.chain, request.principal]) {
    const shape = policies.slice(link.type, request.action, request.resource.type)?.context;
    if (shape === true || shape?.has("history")) return true;
  }
  return false;
}

/**
 * After an allow: the labels its resource carries (touches) and, on a business object, the duty it
 * performs. authorize() hands them to the decision log, which writes them with the decision's audit
 * record in one statement or transaction before the allow is answered: history that silently
 * missed a touch would let a later barrier check pass, so an allow whose record (effects included)
 * cannot be written is a deny (audit_unavailable).
 */
export function decisionEffects(
  engine: DecisionEngine,
  request: { principal: EntityRef; chain: EntityRef[]; action: string; resource: EntityRef },
  outcome: Decision,
): { outcome: Decision; effects?: DecisionEffects | undefined } {
  const inputs = engine.inputs();
  if ("decision" in inputs) return { outcome: inputs };
  const { resource } = request;
  const stored = inputs.snapshot.get(resource.type, resource.id);
  const labels = stored ? labelsOf(stored) : [];
  const isObject = !stored && inputs.schema.entityTypes.get(resource.type)?.source === "caller";
  const duty = request.action.slice(request.action.indexOf(":") + 1);
  if (labels.length === 0 && !isObject) return { outcome };
  const actors = actorsOf(request);
  return {
    outcome,
    effects: {
      at: engine.now(),
      agents: actors.agents,
      users: actors.users,
      human: actors.human,
      labels,
      object: isObject ? { type: resource.type, id: resource.id, duty } : undefined,
    },
  };
}
