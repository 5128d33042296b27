import type { EntityRef } from "@pea/schemas";
import { type Decision, type DecisionFacts, type DecisionRequest, deny } from "./decide.js";
import type { DecisionEngine } from "./engine.js";
import { actorsOf, emptyHistory, labelsOf, loadHistory, recordEffects } from "./history.js";
import { getRun } from "./runs.js";

/**
 * Look up what PEA itself knows about a request before deciding it: the run it names and the
 * history its policies may consult (history.ts). Anything that cannot be read is a deny
 * (fail-closed). Callers never supply any of this.
 */
export async function lookupFacts(engine: DecisionEngine, request: DecisionRequest): Promise<DecisionFacts | Decision> {
  const now = engine.now();
  const inputs = engine.inputs();
  try {
    const runLookup = request.run !== undefined ? getRun(engine.database, request.run) : undefined;
    const { agents, human } = actorsOf(request);
    const isObject =
      "decision" in inputs ? false : inputs.schema.entityTypes.get(request.resource.type)?.source === "caller";
    // A policy set that never reads history or crossings is decided without the lookup.
    const needsHistory = "decision" in inputs || inputs.policies.usesHistory !== false;
    const history = needsHistory
      ? loadHistory(engine.database, {
          runId: request.run ?? null,
          agents,
          human,
          since: new Date(now.getTime() - engine.historyWindowSeconds * 1000),
          now,
          object: isObject ? { type: request.resource.type, id: request.resource.id } : undefined,
        })
      : Promise.resolve(emptyHistory());
    const [run, loaded] = await Promise.all([runLookup, history]);
    return { now, run: request.run !== undefined ? (run ?? null) : undefined, history: loaded };
  } catch (error) {
    return deny("store_unavailable", `PEA's records could not be read: ${(error as Error).message}`);
  }
}

/**
 * After an allow: record the labels its resource carries (touches) and, on a business object, the
 * duty it performs. If that cannot be recorded the answer becomes a deny: history that silently
 * misses a touch would let a later barrier check pass.
 */
export async function recordDecisionEffects(
  engine: DecisionEngine,
  decisionId: string,
  request: { principal: EntityRef; chain: EntityRef[]; run?: string | undefined; action: string; resource: EntityRef },
  caller: { apiKeyId: string | null },
  outcome: Decision,
): Promise<Decision> {
  const inputs = engine.inputs();
  if ("decision" in inputs) return inputs;
  const { resource } = request;
  const stored = inputs.snapshot.get(resource.type, resource.id);
  const labels = stored ? labelsOf(stored) : [];
  const isObject = !stored && inputs.schema.entityTypes.get(resource.type)?.source === "caller";
  const duty = request.action.slice(request.action.indexOf(":") + 1);
  if (labels.length === 0 && !isObject) return outcome;
  const actors = actorsOf(request);
  try {
    await recordEffects(engine.database, {
      decisionId,
      at: engine.now(),
      apiKeyId: caller.apiKeyId,
      runId: request.run ?? null,
      agents: actors.agents,
      users: actors.users,
      human: actors.human,
      labels,
      object: isObject ? { type: resource.type, id: resource.id, duty } : undefined,
    });
    return outcome;
  } catch (error) {
    return deny("store_unavailable", `what this action touches could not be recorded: ${(error as Error).message}`);
  }
}
