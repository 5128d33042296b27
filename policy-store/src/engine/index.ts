export { DecisionEngine, type EngineOptions } from "./engine.js";
export { currentEntitlementVersion } from "./snapshot.js";
