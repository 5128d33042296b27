export { slotCounts } from "./preparsed-slots.js";
export { loadSchema, type SchemaInfo } from "./schema.js";
export { pruneToShape, readPolicy } from "./slices.js";
