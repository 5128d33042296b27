#!/usr/bin/env node
// `pea`. Installed, it runs the compiled CLI (dist/). In a checkout of the repository (src/ is
// beside it) it runs the TypeScript sources through tsx, so a change needs no build to be tried.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../src/run.ts", import.meta.url));
if (existsSync(source)) {
  const child = spawnSync(
    process.execPath,
    ["--conditions=pea-source", "--import", "tsx", source, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exitCode = child.status ?? 1;
} else {
  await import("../dist/run.js");
}
