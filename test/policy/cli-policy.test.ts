import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, resolveDatabaseTarget } from "@pea/migrations";
import {
  authorize,
  createApiKey,
  DecisionEngine,
  DecisionLog,
  defaultPolicyDir,
  inProcess,
  prepareStore,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { testEnv } from "../support/env.js";
import { openTestStore, type TestStore } from "../support/store.js";

const shippedTests = join(defaultPolicyDir, "..", "tests");

/**
 * A policy repository: policies/ (a copy of the shipped packs plus extra files) and tests/ (some of
 * the shipped case files: each file runs on a fresh store, so tests copy only what they need).
 */
async function repoWith(extra: Record<string, string> = {}, testFiles: string[] = ["core/agents.json"]) {
  const root = await mkdtemp(join(tmpdir(), "pea-policy-repo-"));
  await cp(defaultPolicyDir, join(root, "policies"), { recursive: true });
  for (const file of testFiles) {
    await mkdir(join(root, "tests", file, ".."), { recursive: true });
    await cp(join(shippedTests, file), join(root, "tests", file));
  }
  for (const [file, text] of Object.entries(extra)) await writeFile(join(root, "policies", file), text);
  return { root, policies: join(root, "policies"), tests: join(root, "tests") };
}

const noMarketData = `@id("bank.no-market-data")
@reason("policy_denied")
forbid (principal, action == Action::"dataset:read", resource == Dataset::"market-data");
`;

describe("pea policy format", () => {
  it("formats files in place and --check passes afterwards; --check fails on unformatted files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-fmt-"));
    await writeFile(join(dir, "a.cedar"), `permit(principal,action,resource);\n`);
    const check = await runCli(["policy", "format", "--check", dir]);
    expect(check.code).toBe(1);
    expect(check.err).toContain("a.cedar: not formatted");
    const fmt = await runCli(["policy", "format", dir]);
    expect(fmt.code).toBe(0);
    expect(await readFile(join(dir, "a.cedar"), "utf8")).not.toBe(`permit(principal,action,resource);\n`);
    expect((await runCli(["policy", "format", "--check", dir])).code).toBe(0);
  });

  it("refuses what it cannot parse", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-fmt-"));
    await writeFile(join(dir, "bad.cedar"), `permit (principal, action resource);\n`);
    const res = await runCli(["policy", "format", "--check", dir]);
    expect(res.code).toBe(1);
    expect(res.err).toContain("bad.cedar: cannot format");
  });
});

describe("pea policy test", () => {
  it("runs every shipped pack's cases and prints the summary line", { timeout: 600_000 }, async () => {
    const res = await runCli(["policy", "test"]);
    expect(res.out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(res.code).toBe(0);
  });

  it("reports to machines with --json", async () => {
    const repo = await repoWith({}, ["core/agents.json"]);
    const json = await runCli(["policy", "test", repo.policies, "--json"]);
    const parsed = JSON.parse(json.out) as { passed: number; failed: number; results: Array<{ file: string }> };
    expect(json.code).toBe(0);
    expect(parsed.failed).toBe(0);
    expect(parsed.passed).toBeGreaterThan(0);
    expect(parsed.results.every((r) => r.file === "core/agents.json")).toBe(true);
  });

  it("fails readably, with a non-zero exit, when a case does not hold", async () => {
    const repo = await repoWith({ "planted.cedar": noMarketData }, ["bank/stories.json"]);
    const res = await runCli(["policy", "test", repo.policies]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^\d+ passed, [1-9]\d* failed$/m);
    expect(res.out).toContain("FAIL bank/");
    expect(res.out).toMatch(/expected allow\n\s+got\s+deny \[policy_denied\]/);
  });

  it("runs only the cases named with --name, and writes JUnit XML for CI with --junit", {
    timeout: 120_000,
  }, async () => {
    const repo = await repoWith({ "planted.cedar": noMarketData }, ["bank/stories.json"]);
    const all = JSON.parse((await runCli(["policy", "test", repo.policies, "--json"])).out) as {
      results: Array<{ name: string; passed: boolean }>;
    };
    const failing = all.results.find((r) => !r.passed);
    const passing = all.results.find((r) => r.passed);
    expect(failing && passing).toBeTruthy();
    const junit = join(repo.root, "policy-tests.xml");

    const onlyPassing = await runCli([
      "policy",
      "test",
      repo.policies,
      "--name",
      passing?.name as string,
      "--junit",
      junit,
    ]);
    expect(onlyPassing.code).toBe(0);
    expect(onlyPassing.out).toMatch(/^[1-9]\d* passed, 0 failed$/m);
    expect(await readFile(junit, "utf8")).toMatch(/<testsuites name="pea policy test" tests="[1-9]\d*" failures="0">/);

    const onlyFailing = await runCli([
      "policy",
      "test",
      repo.policies,
      "--name",
      failing?.name as string,
      "--junit",
      junit,
    ]);
    expect(onlyFailing.code).toBe(1);
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/failures="[1-9]\d*"/);
    expect(xml).toContain(`name="${failing?.name}"`);
    expect(xml).toMatch(/<failure message="[^"]*policy_denied/);
  });

  it("fails when no cases exist", async () => {
    const repo = await repoWith();
    const res = await runCli(["policy", "test", repo.policies, "--tests", join(repo.root, "nothing")]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("0 passed, 0 failed");
  });
});

describe("pea policy publish / activate / rollback / diff / shadow", { timeout: 300_000 }, () => {
  let store: TestStore | undefined;
  let env: Record<string, string>;
  /** Each person's own key (user keys with the admin scope): the CLI acts as the key's user. */
  const keyOf: Record<string, string> = {};
  beforeAll(async () => {
    const keyDir = await mkdtemp(join(tmpdir(), "pea-key-"));
    store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const dataDir = await mkdtemp(join(tmpdir(), "pea-cli-policy-"));
    env = {
      ...(store?.url ? { DATABASE_URL: store.url } : { PEA_DATA_DIR: dataDir }),
      PEA_POLICY_SIGNING_KEY: join(keyDir, "missing.pem"),
    };
    // Record some decisions, as a running PDP would.
    const database = store ? store.database : await openDatabase(resolveDatabaseTarget({ dataDir }));
    await prepareStore(database, { seed: "demo" });
    // "Dave" is dave under another spelling: a user of the store, never a second pair of eyes for dave.
    await database.query("INSERT INTO users (id, display_name) VALUES ('Dave', 'Dave again')");
    for (const user of ["dave", "erin", "Dave"]) {
      keyOf[user] = (
        await createApiKey(database, { kind: "user", name: `${user}-cli`, userId: user, scopes: ["admin"] })
      ).key;
    }
    env.PEA_API_KEY = keyOf.dave as string;
    const engine = await DecisionEngine.start({
      database,
      schemaText: readCedarSchema(),
      policyDir: defaultPolicyDir,
      firmDomains: ["meridian.example"],
    });
    const log = new DecisionLog(database);
    // Decisions recorded in-process, as a replay source (the caller's binding is not under test here).
    const caller = inProcess;
    const readsDirectly = (user: string, dataset: string) => ({
      principal: { type: "User", id: user },
      chain: [],
      context: {},
      action: "dataset:read",
      resource: { type: "Dataset", id: dataset },
    });
    const recorded = [
      readsDirectly("alice", "market-data"),
      readsDirectly("alice", "market-data"),
      readsDirectly("alice", "market-data"),
      readsDirectly("bob", "deal-db"),
    ];
    for (const request of recorded) await authorize(request, caller, { engine, log });
    await engine.stop();
    if (!store) await database.close();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("publishes only valid, tested policies, as a signed version; the same content is the same version", async () => {
    // No signing key at the configured path: refused.
    const noKey = await runCli(["policy", "publish", "--message", "x"], env);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain("cannot read the policy signing key");
    const keyPath = env.PEA_POLICY_SIGNING_KEY as string;
    const { generateSigningKeyPem } = await import("@pea/policy-store");
    await writeFile(keyPath, generateSigningKeyPem());

    expect((await runCli(["policy", "publish"], env)).code).toBe(2); // --message is required

    const invalid = await repoWith({ "bad.cedar": `permit (principal, action, resource) when { resource.nope };\n` });
    const rejected = await runCli(["policy", "publish", invalid.policies, "--message", "bad"], env);
    expect(rejected.code).toBe(1);
    expect(rejected.err).toMatch(/bad\.cedar:1:\d+: /);
    expect(rejected.err).toContain("not published");

    const untested = await repoWith({ "planted.cedar": noMarketData }, ["bank/stories.json"]);
    const failing = await runCli(["policy", "publish", untested.policies, "--message", "no market data"], env);
    expect(failing.code).toBe(1);
    expect(failing.err).toContain("not published: policy tests failed");

    const small = (await repoWith()).tests;
    const first = await runCli(["policy", "publish", "--message", "the shipped packs", "--tests", small], env);
    expect(first.code).toBe(0);
    const id = first.out.match(/published version ([0-9a-f]{16})/)?.[1];
    expect(id).toBeDefined();
    expect(first.out).toMatch(/signed by ed25519:[0-9a-f]{16}, commit [0-9a-f]{40}/);
    const again = await runCli(["policy", "publish", "--message", "again", "--tests", small], env);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`version ${id} is already published`);

    const listed = await runCli(["policy", "versions"], env);
    expect(listed.out).toContain(id);
    expect(listed.out).toMatch(new RegExp(`${id}\\s+\\S+\\s+dave\\s`));
  });

  it("diff replays recorded decisions and finds a planted flip, grouped by rule", async () => {
    const repo = await repoWith({ "planted.cedar": noMarketData });
    const res = await runCli(["policy", "diff", repo.policies, "--last", "50"], env);
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/replayed \d+ recorded decisions/);
    expect(res.out).toMatch(
      /allow -> deny: 3\n\s+bank\.no-market-data: 3\n\s+dec_\S+\s+User::alice dataset:read Dataset::market-data/,
    );
    expect(res.out).toContain("deny -> allow: 0");
    const json = JSON.parse((await runCli(["policy", "diff", repo.policies, "--last", "50", "--json"], env)).out);
    expect(json.groups).toEqual([
      expect.objectContaining({ direction: "allow->deny", rule: "bank.no-market-data", count: 3 }),
    ]);
    expect((await runCli(["policy", "diff", repo.policies, "--last", "50", "--fail-on-flips"], env)).code).toBe(1);
    // Nothing published is active yet: the base is the directory PDPs serve, not the recorded answers.
    expect(res.out).toContain("the policy directory PDPs serve");
    const unchanged = await runCli(["policy", "diff", defaultPolicyDir, "--last", "50", "--fail-on-flips"], env);
    expect(unchanged.code).toBe(0);
    expect(unchanged.out).toContain("0 decision(s) would flip");
    // The shipped policies against themselves: nothing flips.
    const none = await runCli(["policy", "diff", "--last", "50", "--base", defaultPolicyDir, "--fail-on-flips"], env);
    expect(none.code).toBe(0);
    expect(none.out).toContain("0 decision(s) would flip");
    expect((await runCli(["policy", "diff", "--last", "0"], env)).code).toBe(2);
  });

  it("activates, refuses unknown versions, rolls back, and honours four-eyes", async () => {
    const listed = await runCli(["policy", "versions"], env);
    const first = listed.out.match(/^\s+([0-9a-f]{16})/m)?.[1] as string;
    expect((await runCli(["policy", "activate", "ffffffffffffffff"], env)).code).toBe(1);
    expect((await runCli(["policy", "rollback"], env)).err).toContain("no earlier activation");
    const activated = await runCli(["policy", "activate", first], env);
    expect(activated.code).toBe(0);
    expect(activated.out).toContain(`activated version ${first}`);

    // A second version: the shipped packs plus one extra tested rule.
    const repo = await repoWith({
      "extra.cedar": `@id("bank.extra")\npermit (principal is User, action == Action::"email:send", resource is EmailAddress);\n`,
    });
    const second = await runCli(["policy", "publish", repo.policies, "--message", "extra"], env);
    const secondId = second.out.match(/published version ([0-9a-f]{16})/)?.[1] as string;
    expect((await runCli(["policy", "activate", secondId.slice(0, 8)], env)).out).toContain(
      `activated version ${secondId}`,
    );
    const rolled = await runCli(["policy", "rollback"], env);
    expect(rolled.out).toContain(`rolled back to version ${first}`);

    const asErin = { ...env, PEA_API_KEY: keyOf.erin as string };
    expect((await runCli(["policy", "four-eyes", "on"], asErin)).code).toBe(0);
    const requested = await runCli(["policy", "activate", secondId], env);
    expect(requested.code).toBe(0);
    expect(requested.out).toContain("requested by dave");
    const requestId = requested.out.match(/ as (par_[0-9a-f]+)/)?.[1] as string;
    expect(requestId).toBeDefined();
    // Nobody approves under a name they type: --as is gone, and without a key nothing acts.
    expect((await runCli(["policy", "approve", requestId, "--as", "erin"], env)).code).toBe(2);
    const { PEA_API_KEY: _key, ...keyless } = env;
    const anonymous = await runCli(["policy", "approve", requestId], keyless);
    expect(anonymous.code).toBe(2);
    expect(anonymous.err).toContain("set PEA_API_KEY");
    const self = await runCli(["policy", "approve", requestId], env);
    expect(self.code).toBe(1);
    expect(self.err).toContain("cannot approve their own");
    const otherSpelling = await runCli(["policy", "approve", requestId], { ...env, PEA_API_KEY: keyOf.Dave as string });
    expect(otherSpelling.code).toBe(1);
    expect(otherSpelling.err).toContain("cannot approve their own");
    const approved = await runCli(["policy", "approve", requestId], asErin);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`approved by erin: activate of version ${secondId}`);
    const versions = await runCli(["policy", "versions"], env);
    expect(versions.out).toContain(`activate ${secondId} by dave, approved by erin`);
    expect((await runCli(["policy", "four-eyes", "off"], asErin)).code).toBe(0);

    // Shadow: set, report, stop.
    const shadow = await runCli(["policy", "shadow", first], env);
    expect(shadow.code).toBe(0);
    expect((await runCli(["policy", "shadow", "--report"], env)).out).toContain(`shadow version ${first}: 0 flip(s)`);
    expect((await runCli(["policy", "shadow", "--off"], env)).out).toContain("shadow mode is off");
    expect((await runCli(["policy", "shadow"], env)).code).toBe(2);
  });
});
