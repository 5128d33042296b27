export { DecisionEngine, type EngineOptions } from "./engine.js";
