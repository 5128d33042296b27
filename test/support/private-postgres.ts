// A Postgres cluster of the test's own (initdb in a temp dir, a free loopback port), for faults that
// must not touch the shared server: pausing it (SIGSTOP) or killing it. Run as the `postgres` user
// when the test runs as root (the server refuses root).
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivatePostgres {
  url: string;
  /** Pause every process of the cluster (postmaster, then its backends): a stalled, not a dead, store. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no free port");
  return address.port;
}

function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "pea-pg-"));
  const user = owner();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  execFileSync("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...user,
    stdio: "pipe",
  });
  const port = await freePort();
  const server: ChildProcess = spawn(
    "postgres",
    ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
    { ...user, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  server.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  server.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`private Postgres did not start:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      if (/ready to accept connections/.test(output)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 50);
    server.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`private Postgres exited (${code}):\n${output}`));
    });
  });
  const postmaster = server.pid as number;
  // Each backend is the postmaster's child in a session of its own (so not in its process group).
  const children = () =>
    spawnSync("ps", ["-o", "pid=", "--ppid", String(postmaster)])
      .stdout.toString()
      .split("\n")
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // exited meanwhile
      }
    }
  };
  const resume = () => {
    signal(children(), "SIGCONT");
    signal([postmaster], "SIGCONT");
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause() {
      // The postmaster first: then no backend can be started that would escape the pause.
      signal([postmaster], "SIGSTOP");
      signal(children(), "SIGSTOP");
    },
    resume,
    async stop() {
      if (server.exitCode === null) {
        resume();
        const exited = new Promise((resolve) => server.once("exit", resolve));
        process.kill(postmaster, "SIGINT"); // fast shutdown
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (server.exitCode === null) signal([...children(), postmaster], "SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
