// @pea/policy-store: the domain below the apps, one folder per concern. Each folder's index.ts is
// its curated public surface; everything else in a folder is internal to the package.
import { fileURLToPath } from "node:url";

/** The policy packs shipped in this repository. */
export const defaultPolicyDir = fileURLToPath(new URL("../policies", import.meta.url));

export * from "./admin/index.js";
export * from "./audit/index.js";
export * from "./authzen/index.js";
export * from "./cedar/index.js";
export * from "./decision/index.js";
export * from "./engine/index.js";
export * from "./governance/index.js";
export * from "./identity/index.js";
export * from "./policy/index.js";
export * from "./setup/index.js";
export * from "./trust/index.js";
