// Checking a policy set off the event loop: parsing and strict validation (check-source.ts) need
// no state, so a running process hands them to a worker thread with its own Cedar engine and keeps
// answering requests meanwhile. The preparse cannot move: it fills the cache of the thread that
// evaluates (policy-set.ts runs it on this thread, one slice per turn).
//
// One worker per process, started on first use and restarted after it fails. A check that the
// worker does not answer in time, or that it dies during, fails (the caller keeps serving what it
// served): it never hangs.
import { Worker } from "node:worker_threads";
import type { CheckedSet } from "./check-source.js";
import type { CheckRequest } from "./check-worker.js";
import type { PolicySource } from "./types.js";

type Reply = { id: number; checked: CheckedSet } | { id: number; error: string };

interface Pending {
  resolve: (checked: CheckedSet) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  /** The worker asked (a failing worker fails only its own checks). */
  asked: Worker;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

/**
 * The worker's entry: beside this module, as JavaScript in the build, as TypeScript when PEA runs
 * from its sources (tests, benches: `--conditions=pea-source --import tsx`). Node 20 does not apply
 * a parent's `--import tsx` hooks to a worker's entry, so from sources the worker starts from a
 * line of JavaScript that registers tsx and then imports the entry.
 */
function startWorker(): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(`./check-worker.${fromSources ? "ts" : "js"}`, import.meta.url);
  const started = fromSources
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
          `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        { eval: true, execArgv: ["--conditions=pea-source"] },
      )
    : new Worker(entry);
  started.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    settle(reply.id);
    if ("error" in reply) waiting.reject(new Error(`policy check failed: ${reply.error}`));
    else waiting.resolve(reply.checked);
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, waiting] of pending) {
      if (waiting.asked !== started) continue;
      settle(id);
      waiting.reject(error);
    }
  };
  started.on("error", (error) => fail(new Error(`the policy check worker failed: ${error.message}`)));
  started.on("exit", (code) => fail(new Error(`the policy check worker exited (code ${code})`)));
  // An idle worker never keeps the process alive (a check waiting for it is kept alive by its timer).
  started.unref();
  return started;
}

function settle(id: number): void {
  const waiting = pending.get(id);
  if (!waiting) return;
  clearTimeout(waiting.timer);
  pending.delete(id);
}

/** checkPolicySet in the worker thread; rejects after `timeoutMs` (and restarts the worker). */
export function checkOffThread(
  sources: PolicySource[],
  schemaText: string,
  version: string | undefined,
  timeoutMs: number,
): Promise<CheckedSet> {
  worker ??= startWorker();
  const current = worker;
  const id = nextId++;
  return new Promise<CheckedSet>((resolve, reject) => {
    const timer = setTimeout(() => {
      settle(id);
      reject(new Error(`the policy check took longer than ${timeoutMs} ms`));
      // A worker that does not answer may be stuck: the next check gets a fresh one.
      if (worker === current) worker = undefined;
      void current.terminate();
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer, asked: current });
    current.postMessage({ id, sources, schemaText, version } satisfies CheckRequest);
  });
}
