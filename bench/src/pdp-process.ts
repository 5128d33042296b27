import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A free loopback port, found by letting the kernel pick one. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
    probe.once("error", reject);
  });
}

/** Poll `url` until it answers 2xx, the child exits, or `timeoutMs` passes. */
export async function waitReady(url: string, child: ChildProcess, what: string, timeoutMs = 300_000): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (waited > timeoutMs) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
    const ready = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stop a child with SIGTERM and wait for it to exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export interface PdpProcessOptions {
  /** Postgres URL; without it the PDP keeps its embedded store in a fresh temporary directory. */
  databaseUrl?: string | undefined;
  /** Extra node flags for the PDP (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra environment (PEA_* settings). */
  env?: Record<string, string>;
  /** The embedded store's directory (default: a fresh temporary one). */
  dataDir?: string;
  /** How long to wait for /readyz (default 300 s: a loaded machine starts slowly). */
  readyTimeoutMs?: number;
  /** The PDP's entry point (default: this checkout's apps/pdp/src/main.ts); another checkout's for an A/B. */
  main?: string;
}

export interface PdpProcess {
  url: string;
  pid: number;
  /** Where its store is: the embedded store's directory, or the Postgres URL. */
  store: { dataDir: string; databaseUrl?: string | undefined };
  close(): Promise<void>;
}

/** The PDP as deployed: its own process (`apps/pdp/src/main.ts`), on a free loopback port. */
export async function startPdpProcess(key: string, options: PdpProcessOptions = {}): Promise<PdpProcess> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "pea-bench-")));
  const main = options.main ?? fileURLToPath(new URL("../../apps/pdp/src/main.ts", import.meta.url));
  const { DATABASE_URL: _inherited, ...env } = process.env;
  const child = spawn(
    process.execPath,
    ["--conditions=pea-source", "--no-turbo-inlining", ...(options.nodeFlags ?? []), "--import", "tsx", main],
    {
      env: {
        ...env,
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
        PEA_DATA_DIR: dataDir,
        PEA_PDP_PORT: String(port),
        PEA_EMBEDDED_PORT: "0",
        PEA_LOG_LEVEL: "warn",
        PEA_BOOTSTRAP_API_KEY: key,
        ...options.env,
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, child, "the PDP", options.readyTimeoutMs);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    url,
    pid: child.pid ?? 0,
    store: { dataDir, databaseUrl: options.databaseUrl },
    close: () => stopChild(child),
  };
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every demo key (holder → key: alice, bob, …, each agent, "gateway"), made by one `pea keys demo`. */
export function demoKeys(pdp: Pick<PdpProcess, "store">): Map<string, string> {
  const made = spawnSync(
    process.execPath,
    ["--conditions=pea-source", "--import", "tsx", "apps/cli/src/run.ts", "keys", "demo"],
    {
      cwd: root,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        PEA_DATA_DIR: pdp.store.dataDir,
        ...(pdp.store.databaseUrl ? { DATABASE_URL: pdp.store.databaseUrl } : {}),
      },
    },
  );
  const keys = new Map(
    [...made.stdout.matchAll(/^\S+\s+(\S+)\s+(pea_\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  if (keys.size === 0) throw new Error(`keys demo failed: ${made.stderr}`);
  return keys;
}

/**
 * The demo key of `holder` (alice, bob, … or gateway), made by the CLI (`pea keys demo`) in the
 * store the PDP serves, once the PDP accepts it (`probe` is a request to ask with it). The PDP
 * decides only for whom a key may speak: the demo workload's requests are alice's, asked with
 * alice's own key (the bootstrap key is an admin's: every decision asked with it is a deny,
 * unverified_principal).
 */
export async function demoKey(pdp: PdpProcess, holder: string, probe: unknown): Promise<string> {
  const key = demoKeys(pdp).get(holder);
  if (!key) throw new Error(`keys demo made no key for ${holder}`);
  // The PDP learns of new keys within a moment.
  for (let waited = 0; ; waited += 100) {
    const answer = await fetch(`${pdp.url}/v1/authorize`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(probe),
    });
    await answer.body?.cancel();
    if (answer.status !== 401) return key;
    if (waited > 30_000) throw new Error(`the PDP did not accept ${holder}'s key`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/**
 * CPU time a process has used so far (user + system), in µs (Linux /proc; clock ticks of 10 ms).
 * Unlike latency it does not grow when other work shares the machine.
 */
export async function cpuTimeOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * fetch, tried once more on a network error: a kept-alive connection the server closed while the
 * bench was busy elsewhere fails once (ECONNRESET); a new connection does not.
 */
export function fetchAgain(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, init).catch(() => fetch(url, init));
}
