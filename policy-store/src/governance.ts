import { type Decision, type DecisionFacts, type DecisionRequest, deny } from "./decide.js";
import type { DecisionEngine } from "./engine.js";
import { getRun } from "./runs.js";

/**
 * Look up what PEA itself knows about a request before deciding it: the run it names and the
 * history its policies may consult. Anything that cannot be read is a deny (fail-closed).
 */
export async function lookupFacts(engine: DecisionEngine, request: DecisionRequest): Promise<DecisionFacts | Decision> {
  const now = engine.now();
  try {
    const run = request.run !== undefined ? ((await getRun(engine.database, request.run)) ?? null) : undefined;
    return { now, run };
  } catch (error) {
    return deny("store_unavailable", `PEA's records could not be read: ${(error as Error).message}`);
  }
}
