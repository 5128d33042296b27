// Keys for PDPs running in their own process, made the way an operator makes them: with the CLI.
import { randomBytes } from "node:crypto";
import { main } from "@pea/cli";

/** `pea keys create --name … <binding>` against the store in `env`; the new key. */
export async function keyFromCli(env: Record<string, string | undefined>, binding: string[]): Promise<string> {
  const lines: string[] = [];
  const name = `test-${randomBytes(4).toString("hex")}`;
  const code = await main(["keys", "create", "--name", name, ...binding], env, {
    log: (l) => lines.push(l),
    error: (l) => lines.push(l),
  });
  const key = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(lines.join("\n"))?.[0];
  if (code !== 0 || !key) throw new Error(`pea keys create failed (${code}): ${lines.join("\n")}`);
  return key;
}

/** Wait until a PDP knows a new key (its key cache follows the store's change feed). */
export async function untilKeyIsKnown(url: string, key: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${url}/v1/authorize`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 401) return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`the PDP at ${url} did not learn the key within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
