// The CLI acts as the key it is given (PEA_API_KEY), never as a name on the command line; every
// command answers --help; every usage error is the same kind of answer (exit 2 with the usage).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { testEnv } from "../support/env.js";
import { openTestStore, type TestStore } from "../support/store.js";

const keyIn = (text: string) => text.match(/pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/)?.[0] as string;

describe("--help on every command, one kind of usage error", () => {
  const commands = [
    ["migrate"],
    ["seed"],
    ["keys", "create"],
    ["keys", "demo"],
    ["audit", "verify"],
    ["audit", "export"],
    ["policy", "validate"],
    ["policy", "publish"],
    ["policy", "approve"],
    ["policy", "four-eyes"],
    ["membership", "add"],
    ["sod", "declare"],
    ["sod", "check"],
  ];
  it.each(commands)("pea %s %s --help prints that command's usage and touches nothing", async (...command) => {
    const words = command.filter((w): w is string => typeof w === "string");
    // No store is configured: a command that ran would fail, not print its usage.
    const res = await runCli([...words, "--help"], { PEA_DATA_DIR: "/nonexistent/pea" });
    expect(res.code).toBe(0);
    expect(res.err).toBe("");
    expect(res.out).toContain(`pea ${words[0]}`);
  });

  it("answers a usage error with exit 2 and the command's usage, whatever the command", async () => {
    for (const [argv, usage] of [
      [["audit", "nope"], "pea audit verify"],
      [["membership", "add", "--member", "alice"], "pea membership add"],
      [["sod", "declare", "one"], "pea sod declare"],
      [["policy", "approve", "par_x", "--as", "erin"], "pea policy approve"],
      [["policy", "diff", "--last", "0"], "pea policy diff"],
      [["keys", "create"], "pea keys create"],
    ] as const) {
      const res = await runCli([...argv], {});
      expect(res.code, argv.join(" ")).toBe(2);
      expect(res.err).toContain(usage);
    }
  });
});

describe("acting commands authenticate", { timeout: 120_000 }, () => {
  let store: TestStore | undefined;
  let env: Record<string, string>;
  let patKey: string;
  beforeAll(async () => {
    store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    env = store?.url ? { DATABASE_URL: store.url } : { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-cli-id-")) };
    expect((await runCli(["seed", "demo"], env)).code).toBe(0);
    patKey = keyIn((await runCli(["keys", "create", "--name", "pat", "--user", "carol", "--scope", "admin"], env)).out);
  });
  afterAll(() => store?.close());

  it("without a key, a command that changes something refuses clearly and changes nothing", async () => {
    for (const argv of [
      ["membership", "add", "--member", "User::alice", "--parent", "Group::compliance"],
      ["sod", "declare", "bankers", "research-analysts"],
      ["policy", "four-eyes", "on"],
      ["policy", "activate", "0123456789abcdef"],
      ["policy", "approve", "par_0123"],
      ["policy", "shadow", "--off"],
      ["policy", "publish", "--message", "m"],
    ]) {
      const res = await runCli(argv, env);
      expect(res.code, argv.join(" ")).toBe(2);
      expect(res.err).toContain("set PEA_API_KEY to your own key");
    }
    // Read-only commands need no key.
    expect((await runCli(["sod", "check"], env)).code).toBe(0);
    expect((await runCli(["policy", "versions"], env)).code).toBe(0);
  });

  it("acts as the key's user, and the audit record names the key and who created it", async () => {
    const res = await runCli(["membership", "add", "--member", "User::alice", "--parent", "Group::compliance"], {
      ...env,
      PEA_API_KEY: patKey,
    });
    expect(res.code).toBe(0);
    const database = store
      ? store.database
      : await openDatabase(resolveDatabaseTarget({ dataDir: env.PEA_DATA_DIR as string }));
    try {
      const rows = await database.query<{ record: unknown }>(
        "SELECT record FROM audit_log WHERE record ->> 'action' = 'membership.grant' ORDER BY seq DESC LIMIT 1",
      );
      const record = rows[0]?.record;
      const parsed = (typeof record === "string" ? JSON.parse(record) : record) as Record<string, unknown>;
      expect(parsed).toMatchObject({
        actor: "User::carol",
        target: "User::alice",
        apiKeyId: patKey.slice(4, patKey.indexOf(".")),
        apiKeyCreatedBy: "cli",
      });
    } finally {
      if (!store) await database.close();
    }
  });

  it("refuses a key that is not a person's, one without the admin scope, and one that is not in the store", async () => {
    const service = keyIn(
      (await runCli(["keys", "create", "--name", "svc", "--agent", "research-assistant", "--scope", "admin"], env)).out,
    );
    const narrow = keyIn(
      (await runCli(["keys", "create", "--name", "n", "--user", "erin", "--scope", "runs"], env)).out,
    );
    const add = ["sod", "declare", "bankers", "payments-approvers"];
    for (const [key, message] of [
      [service, "the CLI acts as a person"],
      [narrow, "lacks the admin scope"],
      [`${patKey.slice(0, -4)}AAAA`, "not a key of this store"],
    ] as const) {
      const res = await runCli(add, { ...env, PEA_API_KEY: key });
      expect(res.code).toBe(1);
      expect(res.err).toContain(message);
    }
  });
});
