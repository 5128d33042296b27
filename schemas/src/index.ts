import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export * from "./contracts.js";
export * from "./audit.js";
export * from "./trust.js";
export * from "./admin.js";
export * from "./authzen.js";

export const cedarSchemaPath = fileURLToPath(new URL("../pea.cedarschema", import.meta.url));

export function readCedarSchema(): string {
  return readFileSync(cedarSchemaPath, "utf8");
}
