import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { testEnv } from "../support/env.js";
import { openTestStore, policyDirWith } from "../support/store.js";

describe("pea policy validate", () => {
  it("accepts the shipped policies", async () => {
    const { code, out } = await runCli(["policy", "validate"]);
    expect(code).toBe(0);
    expect(out).toMatch(/\d+ policies in \d+ files are valid/);
  });

  it("names file, line and a hint for every problem", async () => {
    const dir = await policyDirWith({
      "bad.cedar": `// a comment line
permit (principal, action == Action::"dataset:read", resource)
when { resource.segmnt == "x" };

@reason("because")
forbid (principal, action, resource);
`,
    });
    const { code, err } = await runCli(["policy", "validate", dir]);
    expect(code).toBe(1);
    expect(err).toMatch(/bad\.cedar:3:\d+: .*segmnt/);
    expect(err).toMatch(/bad\.cedar:5:1: @reason\("because"\) is not a PEA reason code \(hint: use one of/);
  });

  it("reports syntax errors with their line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-bad-"));
    await writeFile(
      join(dir, "syntax.cedar"),
      `permit (principal, action, resource);\n\npermit (principal, action resource);\n`,
    );
    const { code, err } = await runCli(["policy", "validate", dir]);
    expect(code).toBe(1);
    expect(err).toMatch(/syntax\.cedar:3:\d+/);
  });

  it("refuses a directory without policies", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-empty-"));
    expect((await runCli(["policy", "validate", dir])).code).toBe(1);
  });
});

// Every command opens the store afresh (a PGlite data directory takes seconds to open).
describe("pea with a store", { timeout: 120_000 }, () => {
  it("migrates, seeds and creates keys, refusing bad input", async () => {
    // Postgres: a fresh database on the server; PGlite: a fresh data directory.
    const store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const env = store?.url ? { DATABASE_URL: store.url } : { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-cli-")) };
    try {
      const migrated = await runCli(["migrate"], env);
      expect(migrated.code).toBe(0);
      expect(migrated.out).toContain("0001_entitlements.sql");
      expect((await runCli(["migrate"], env)).out).toBe("already up to date");
      expect((await runCli(["seed", "demo"], env)).code).toBe(0);
      expect((await runCli(["seed", "demo"], env)).code).toBe(0);

      const created = await runCli(
        ["keys", "create", "--name", "erin-approvals", "--user", "erin", "--scope", "approvals"],
        env,
      );
      expect(created.code).toBe(0);
      expect(created.out).toMatch(/pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);

      const noUser = await runCli(["keys", "create", "--name", "x", "--user", "nobody"], env);
      expect(noUser.code).toBe(1);
      expect(noUser.err).toContain("user nobody does not exist");
      const noAgent = await runCli(["keys", "create", "--name", "x", "--agent", "ghost"], env);
      expect(noAgent.code).toBe(1);
      expect(noAgent.err).toContain("agent ghost does not exist");
      const badScope = await runCli(["keys", "create", "--name", "x", "--gateway", "--scope", "root"], env);
      expect(badScope.code).toBe(1);
      expect(badScope.err).toContain("unknown scope root");
      expect((await runCli(["keys", "create"], env)).code).toBe(2);
      // A key says whom it speaks for: exactly one binding.
      expect((await runCli(["keys", "create", "--name", "x"], env)).code).toBe(2);
      expect((await runCli(["keys", "create", "--name", "x", "--user", "erin", "--gateway"], env)).code).toBe(2);
      const agentKey = await runCli(["keys", "create", "--name", "ra", "--agent", "research-assistant"], env);
      expect(agentKey.code).toBe(0);
      expect(agentKey.out).toContain("created service key");
    } finally {
      await store?.close();
    }
  });

  it("explains usage", async () => {
    expect((await runCli([])).out).toContain("pea policy validate");
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command frobnicate");
  });
});
