import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPolicyDir, runScenarioFile, type ScenarioFileResult } from "@pea/policy-store";
import { describe, expect, it } from "vitest";
import { openTestStore } from "../support/store.js";

// Every scenario file of the domain packs, on this run's store (PGlite, or Postgres with DATABASE_URL).
const testsDir = join(defaultPolicyDir, "..", "tests");
const domains = ["bank", "healthcare", "government"] as const;
const openStore = async () => {
  const store = await openTestStore();
  return { database: store.database, close: () => store.close() };
};

const describeFailures = (result: ScenarioFileResult) =>
  result.steps
    .filter((s) => !s.passed)
    .map((s) => `#${s.index} ${s.name}: ${s.error}`)
    .join("\n");

for (const domain of domains) {
  describe(`${domain} pack scenarios`, async () => {
    const dir = join(testsDir, domain);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
    let cases = 0;
    it.each(files)("%s", { timeout: 120_000 }, async (file) => {
      const result = await runScenarioFile(join(dir, file), { openStore });
      cases += result.cases;
      expect(describeFailures(result)).toBe("");
      expect(result.passed).toBe(true);
    });
    it("has at least 30 cases", () => {
      expect(cases).toBeGreaterThanOrEqual(30);
    });
  });
}

describe("the scenario runner", () => {
  it("reports a wrong expectation, a wrong error and an unknown step as failures", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-scenario-"));
    const file = join(dir, "wrong.json");
    await writeFile(
      file,
      JSON.stringify({
        seed: "bank",
        cases: [
          {
            name: "wrongly expected allow",
            request: {
              principal: { type: "User", id: "carol" },
              action: "dataset:read",
              resource: { type: "Dataset", id: "deal-db" },
            },
            expect: { decision: "allow" },
          },
        ],
        steps: [
          { name: "wrong error", assign: { member: "User::carol", parent: "Group::staff" }, expectError: "sod" },
          { name: "nonsense", dance: true },
          { name: "unsaved reference", outcome: "$nothing", status: "executed" },
        ],
      }),
    );
    const result = await runScenarioFile(file, { openStore });
    expect(result.passed).toBe(false);
    expect(result.steps.map((s) => s.passed)).toEqual([false, false, false, false]);
    expect(result.steps[0]?.actual?.reasons).toContain("barrier");
  });
});
