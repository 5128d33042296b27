export * from "./app.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./openapi.js";
export * from "./process.js";
