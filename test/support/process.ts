// PEA's apps in their own processes, as deployed (from sources), on free loopback ports.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_DECISION_DEADLINE_MS } from "./store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface AppProcess {
  url: string;
  child: ChildProcess;
}
export type PdpProcess = AppProcess;

/** One of PEA's apps from its sources, in its own process; resolves with the URL it prints once listening. */
export function startAppProcess(entry: string, listening: RegExp, env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--conditions=pea-source", "--no-turbo-inlining", "--import", "tsx", entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", PEA_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = listening.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}):\n${output}`));
    });
  });
}

export function startPdpProcess(env: Record<string, string>): Promise<PdpProcess> {
  return startAppProcess("apps/pdp/src/main.ts", /PEA decision service on (http:\/\/\S+)/, {
    PEA_PDP_PORT: "0",
    PEA_EMBEDDED_PORT: "0",
    // As in-process test PDPs (store.ts): tests of the deadline set their own.
    PEA_DECISION_DEADLINE_MS: String(TEST_DECISION_DEADLINE_MS),
    ...env,
  });
}

export async function stopPdpProcess(pdp: PdpProcess | undefined): Promise<void> {
  if (!pdp || pdp.child.exitCode !== null) return;
  const exited = new Promise((r) => pdp.child.once("exit", r));
  pdp.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (pdp.child.exitCode === null) pdp.child.kill("SIGKILL");
}
