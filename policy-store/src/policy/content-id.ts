// The identity of a policy set: one id for one content, whether it is a directory being compiled,
// a version being published, or a stored version being verified before it is served.
import { createHash } from "node:crypto";
import type { PolicySource } from "./types.js";

/** sha256 over every file ("\0" path "\0" text), files in path order. */
export function contentHashOf(sources: readonly PolicySource[]): string {
  const hash = createHash("sha256");
  for (const source of [...sources].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    hash.update(`\0${source.file}\0${source.text}`);
  }
  return hash.digest("hex");
}

/** The version id of a content hash (what the CLI, the API and the audit log show). */
export const versionIdOf = (contentHash: string) => contentHash.slice(0, 16);
