export { type AuthorizeDeps, authorize, type Consistency, type DecisionEvent } from "./authorize.js";
export { decide } from "./decide.js";
export type { Decision, DecisionRequest } from "./decision.js";
export type { Evaluation } from "./inputs.js";
export { type Caller, evaluate, inProcess } from "./pipeline.js";
export { probe } from "./probe.js";
