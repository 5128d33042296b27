#!/usr/bin/env node
// `npm start`: the decision service, the admin app and the MCP gateway (with the demo bank's tool
// server behind it, over stdio), as separate processes (apps never import each other). The PDP
// opens the store (serving the embedded one on a loopback port); the admin app waits for it; the
// gateway starts once the PDP answers, with a gateway key made for it (or PEA_MCP_API_KEY).
// Signals are forwarded; when any process exits, the others are stopped too. They run the
// compiled JavaScript; the build runs first (turbo skips it when nothing changed).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const build = spawnSync("npm", ["run", "build", "--silent", "--", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
  shell: process.platform === "win32",
});
if (build.status !== 0) process.exit(build.status ?? 1);

const children = [];
let exitCode;
const stopAll = (signal) => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
const start = (name, entry, env, onLine) => {
  const child = spawn(process.execPath, ["--no-turbo-inlining", entry], {
    cwd: root,
    stdio: ["inherit", onLine ? "pipe" : "inherit", "inherit"],
    env: { ...process.env, ...env },
  });
  child.name = name;
  if (onLine) {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
  child.on("exit", (code, signal) => {
    if (exitCode === undefined) {
      exitCode = code ?? (signal ? 1 : 0);
      if (exitCode !== 0)
        console.error(`pea: the ${name} process stopped (${signal ?? `exit ${code}`}); stopping the rest`);
      stopAll("SIGTERM");
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
  children.push(child);
  return child;
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    exitCode ??= 0;
    stopAll(signal === "SIGHUP" ? "SIGTERM" : signal);
  });
}

/** The gateway's own credential: a key of kind gateway, made in the store the PDP serves. */
function gatewayKey() {
  if (process.env.PEA_MCP_API_KEY) return process.env.PEA_MCP_API_KEY;
  const made = spawnSync(
    process.execPath,
    ["apps/cli/dist/run.js", "keys", "create", "--name", "mcp-gateway (npm start)", "--gateway"],
    { cwd: root, encoding: "utf8", env: process.env },
  );
  const key = made.stdout.trim().split("\n").at(-1);
  if (made.status !== 0 || !key?.startsWith("pea_")) {
    console.error(`pea: cannot make the MCP gateway's key: ${made.stderr || made.stdout}`);
    return undefined;
  }
  return key;
}

let gatewayStarted = false;
start("pdp", "apps/pdp/dist/main.js", {}, (line) => {
  const pdpUrl = /PEA decision service on (http:\/\/\S+)/.exec(line)?.[1];
  if (!pdpUrl || gatewayStarted) return;
  gatewayStarted = true;
  const key = gatewayKey();
  if (!key) return stopAll("SIGTERM");
  start(
    "mcp-gateway",
    "apps/mcp-gateway/dist/main.js",
    {
      PEA_MCP_API_KEY: key,
      PEA_MCP_PDP_URL: pdpUrl,
      PEA_MCP_TOOLS: process.env.PEA_MCP_TOOLS ?? "apps/mcp-gateway/demo-bank.json",
    },
    (gatewayLine) => {
      const mcpUrl = /PEA MCP gateway on (http:\/\/\S+)/.exec(gatewayLine)?.[1];
      if (mcpUrl)
        console.log(`
Connect an MCP client (Streamable HTTP) to ${mcpUrl} with "Authorization: Bearer <run token>".
A run token comes with a run its human starts with their own key (\`npx pea keys demo\` makes the demo's keys):
  curl -s -X POST ${pdpUrl}/v1/runs -H "authorization: Bearer <alice's key>" -H "content-type: application/json" \\
    -d '{"principal":{"type":"Agent","id":"research-assistant"},"chain":[{"type":"User","id":"alice"}],"intent":"market-research-report"}'
The answer's "token" is the bearer; the demo bank's tools (read_dataset, send_email, initiate_payment, ...) sit behind it.`);
    },
  );
});
start("admin", "apps/admin/dist/main.js");
