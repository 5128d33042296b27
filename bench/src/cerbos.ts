// Cerbos for bench:vs-cerbos: the binary from the @cerbos/cerbos-linux-x64 npm package, serving the
// equivalent policies in bench/cerbos/policies, and the four demo decisions as Cerbos requests.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { freePort, stopChild, waitReady } from "./pdp-process.js";

const cerbosDir = fileURLToPath(new URL("../cerbos/", import.meta.url));

export async function startCerbos(): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const binary = createRequire(import.meta.url).resolve("@cerbos/cerbos-linux-x64/cerbos-linux-x64");
  const [http, grpc] = [await freePort(), await freePort()];
  const child = spawn(
    binary,
    [
      "server",
      "--config=config.yaml",
      `--set=server.httpListenAddr=127.0.0.1:${http}`,
      `--set=server.grpcListenAddr=127.0.0.1:${grpc}`,
      "--log-level=warn",
    ],
    { cwd: cerbosDir, env: { ...process.env, CERBOS_NO_TELEMETRY: "1" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  // Cerbos logs every request a closing load generator cancels; keep its log only to explain a failed start.
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${http}`;
  try {
    await waitReady(`${url}/_cerbos/health`, child, "Cerbos");
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return { url, pid: child.pid ?? 0, close: () => stopChild(child) };
}

// What PEA reads from its store, Cerbos is sent by the caller.
const researchAssistantForAlice = {
  id: "research-assistant",
  roles: ["agent"],
  attr: {
    status: "active",
    segments: ["research"],
    owner: "alice",
    delegable_by: [],
    intents: ["market-research-report"],
    intent: "market-research-report",
    intent_capabilities: ["dataset:read", "document:write", "email:send"],
    delegator_user: "alice",
    delegator_agent: "",
    delegator_segments: ["research"],
  },
};
const alice = {
  id: "alice",
  roles: ["user"],
  attr: {
    status: "active",
    segments: ["research"],
    owner: "",
    delegable_by: [],
    intents: [],
    intent: "",
    intent_capabilities: [],
    delegator_user: "",
    delegator_agent: "",
    delegator_segments: [],
  },
};
const datasets = {
  "research-repo": { classification: "confidential", segment: "research", mnpi: false, coverage: [] },
  "client-list": { classification: "confidential", segment: "", mnpi: false, coverage: ["alice", "bob"] },
  "deal-db": { classification: "restricted", segment: "ibd", mnpi: true, coverage: [] },
};

const check = (principal: unknown, action: string, id: keyof typeof datasets) => ({
  principal,
  resources: [{ actions: [action], resource: { kind: "dataset", id, attr: datasets[id] } }],
});

/** The four demo decisions, in the order of `demoWorkload`'s first four. */
export const cerbosRequests = [
  check(researchAssistantForAlice, "dataset:read", "research-repo"),
  check(researchAssistantForAlice, "dataset:export", "client-list"),
  check(researchAssistantForAlice, "dataset:read", "deal-db"),
  check(alice, "dataset:export", "client-list"),
];

/** "allow" or "deny" from a /api/check/resources answer with one resource and one action. */
export function cerbosDecision(answer: unknown): string {
  const results = (answer as { results?: Array<{ actions?: Record<string, string> }> }).results;
  const effect = Object.values(results?.[0]?.actions ?? {})[0];
  return effect === "EFFECT_ALLOW"
    ? "allow"
    : effect === "EFFECT_DENY"
      ? "deny"
      : `unreadable: ${JSON.stringify(answer)}`;
}
