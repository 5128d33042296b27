import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { openTestStore, type TestStore } from "../support/store.js";
import { buildAndPack, installOffline } from "./packed.js";

const run = promisify(execFile);

// What a user gets: the packages packed as npm would publish them, installed in an empty folder
// outside the repository, with the `pea` bin running the compiled JavaScript.
describe("pea installed from packed packages", () => {
  let work: string;
  let project: string;
  let store: TestStore | undefined;
  let storeEnv: Record<string, string>;
  let tarballs: Map<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "pea-packed-"));
    project = join(work, "project");
    await run("mkdir", ["-p", project]);
    tarballs = await buildAndPack(
      ["@pea/schemas", "@pea/migrations", "@pea/verifier", "@pea/policy-store", "@pea/cli"],
      work,
    );
    await installOffline(project, tarballs);
    // Postgres: this test's own database; PGlite: an embedded store in the project folder.
    store = storeKind === "postgres" ? await openTestStore() : undefined;
    storeEnv = store?.url ? { DATABASE_URL: store.url } : { PEA_DATA_DIR: join(project, ".pea") };
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const pea = (args: string[]) =>
    run("npx", ["--no-install", "pea", ...args], {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...storeEnv },
    });

  it("ships compiled JavaScript with type declarations and no TypeScript sources", async () => {
    const { stdout } = await run("tar", ["-tzf", tarballs.get("@pea/verifier") as string]);
    expect(stdout).toMatch(/package\/dist\/index\.js/);
    expect(stdout).toMatch(/package\/dist\/index\.d\.ts/);
    const sources = stdout.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    expect(sources).toEqual([]);
    const installed = await readdir(join(project, "node_modules", "@pea", "cli"));
    expect(installed).not.toContain("src");
  });

  it("answers --help", async () => {
    const { stdout } = await pea(["--help"]);
    expect(stdout).toMatch(/pea — PEA's command line/);
    expect(stdout).toMatch(/pea audit verify/);
  }, 60_000);

  it("seeds a store and verifies its audit log", async () => {
    await pea(["seed", "demo"]);
    const { stdout } = await pea(["audit", "verify"]);
    expect(stdout).toMatch(/audit log intact: \d+ records/);
  }, 180_000);

  it("ends quietly when the reader of its output goes away (`pea audit export | head`)", async () => {
    const child = spawn("npx", ["--no-install", "pea", "audit", "export", "--since", "24h"], {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...storeEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  }, 120_000);
});
