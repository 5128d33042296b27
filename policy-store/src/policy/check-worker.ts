// The worker thread of check-thread.ts: checks policy sets with its own Cedar engine. Strings in
// (the files, the schema's text, the version name); the checked set or its problems out.
import { parentPort } from "node:worker_threads";
import { loadSchema, type SchemaInfo } from "../cedar/schema.js";
import { checkPolicySet } from "./check-source.js";
import type { PolicySource } from "./types.js";

export interface CheckRequest {
  id: number;
  sources: PolicySource[];
  schemaText: string;
  version: string | undefined;
}

let schema: SchemaInfo | undefined;

parentPort?.on("message", (request: CheckRequest) => {
  try {
    if (schema?.text !== request.schemaText) schema = loadSchema(request.schemaText);
    parentPort?.postMessage({ id: request.id, checked: checkPolicySet(request.sources, schema, request.version) });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: (error as Error).message });
  }
});
