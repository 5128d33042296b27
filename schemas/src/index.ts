import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export * from "./admin.js";
export * from "./audit.js";
export * from "./authzen.js";
export * from "./contracts.js";
export * from "./errors.js";
export * from "./trust.js";

export const cedarSchemaPath = fileURLToPath(new URL("../pea.cedarschema", import.meta.url));

export function readCedarSchema(): string {
  return readFileSync(cedarSchemaPath, "utf8");
}
export * from "./config.js";
