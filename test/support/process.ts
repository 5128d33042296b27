// A PDP in its own process, as deployed (`apps/pdp/src/main.ts` from sources), on a free loopback port.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_DECISION_DEADLINE_MS } from "./store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface PdpProcess {
  url: string;
  child: ChildProcess;
}

export function startPdpProcess(env: Record<string, string>): Promise<PdpProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=pea-source", "--no-turbo-inlining", "--import", "tsx", "apps/pdp/src/main.ts"],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        PEA_PDP_PORT: "0",
        PEA_EMBEDDED_PORT: "0",
        PEA_LOG_LEVEL: "warn",
        // As in-process test PDPs (store.ts): tests of the deadline set their own.
        PEA_DECISION_DEADLINE_MS: String(TEST_DECISION_DEADLINE_MS),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`PDP did not start:\n${output}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /PEA decision service on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`PDP exited (${code}):\n${output}`));
    });
  });
}

export async function stopPdpProcess(pdp: PdpProcess | undefined): Promise<void> {
  if (!pdp || pdp.child.exitCode !== null) return;
  const exited = new Promise((r) => pdp.child.once("exit", r));
  pdp.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (pdp.child.exitCode === null) pdp.child.kill("SIGKILL");
}
