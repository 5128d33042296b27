export * from "./api-keys.js";
export * from "./audit-chain.js";
export * from "./authorize.js";
export * from "./authzen.js";
export * from "./cedar-schema.js";
export * from "./change-feed.js";
export * from "./decide.js";
export * from "./decision-log.js";
export * from "./engine.js";
export * from "./packs.js";
export * from "./policies.js";
export * from "./runs.js";
export * from "./seed.js";
export { bankSeed } from "./seeds/bank.js";
export * from "./snapshot.js";

import { fileURLToPath } from "node:url";
/** The policy packs shipped in this repository. */
export const defaultPolicyDir = fileURLToPath(new URL("../policies", import.meta.url));
export * from "./bootstrap.js";
export * from "./admin-accounts.js";
export * from "./admin-authz.js";
export * from "./admin-bootstrap.js";
export * from "./entitlements-admin.js";
