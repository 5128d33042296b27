// The operator's CLI in the test's process, its output kept for the test to read.
import { main } from "@pea/cli";

/** `pea <argv>` with `env` as its environment: the exit code and what it printed to each stream. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, env, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
