export { DecisionEngine, type EngineOptions } from "./engine.js";
export { entitlementVersion } from "./snapshot.js";
