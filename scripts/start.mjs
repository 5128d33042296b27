#!/usr/bin/env node
// `npm start`: the decision service and the admin app, as two processes (apps never import each
// other). The PDP opens the store (serving the embedded one on a loopback port); the admin app
// waits for it. Signals are forwarded; when either process exits, the other is stopped too.
// They run the compiled JavaScript; the build runs first (turbo skips it when nothing changed).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const apps = [
  ["pdp", "apps/pdp/dist/main.js"],
  ["admin", "apps/admin/dist/main.js"],
];
const build = spawnSync("npm", ["run", "build", "--silent", "--", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
  shell: process.platform === "win32",
});
if (build.status !== 0) process.exit(build.status ?? 1);
const children = apps.map(([name, entry]) => {
  const child = spawn(process.execPath, ["--no-turbo-inlining", entry], {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  });
  child.name = name;
  return child;
});

let exitCode;
const stopAll = (signal) => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    exitCode ??= 0;
    stopAll(signal === "SIGHUP" ? "SIGTERM" : signal);
  });
}
for (const child of children) {
  child.on("exit", (code, signal) => {
    if (exitCode === undefined) {
      exitCode = code ?? (signal ? 1 : 0);
      if (exitCode !== 0)
        console.error(`pea: the ${child.name} process stopped (${signal ?? `exit ${code}`}); stopping the rest`);
      stopAll("SIGTERM");
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
