// @pea/client as a user receives it: @pea/client and @pea/verifier packed as npm would publish
// them, installed in an empty folder outside the repository (no registry), then imported by plain
// JavaScript that asks the real PDP.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAndPack, installOffline } from "../build/packed.js";
import { serveOnLoopback } from "../gateway/support.js";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

const run = promisify(execFile);

describe("@pea/client installed from its tarball", () => {
  let work: string;
  let project: string;
  let tarballs: Map<string, string>;
  let pdp: TestPdp;
  let served: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "pea-client-packed-"));
    project = join(work, "project");
    await mkdir(project);
    tarballs = await buildAndPack(["@pea/verifier", "@pea/client"], work);
    await installOffline(project, tarballs);
    pdp = await startTestPdp();
    served = await serveOnLoopback(pdpClient(pdp).app.fetch);
  }, 600_000);

  afterAll(async () => {
    await served?.close();
    await pdp?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("ships compiled JavaScript, type declarations and an exports map, no TypeScript sources", async () => {
    const { stdout } = await run("tar", ["-tzf", tarballs.get("@pea/client") as string]);
    expect(stdout).toMatch(/package\/dist\/index\.js/);
    expect(stdout).toMatch(/package\/dist\/index\.d\.ts/);
    expect(stdout.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(project, "node_modules/@pea/client/package.json"), "utf8"));
    expect(manifest.exports["."]).toMatchObject({ types: "./dist/index.d.ts", default: "./dist/index.js" });
  });

  it("asks the PDP, guards a function, and fails closed, from plain JavaScript", async () => {
    const script = `
      import { createPeaClient, PeaDenied } from "@pea/client";
      const [url, apiKey, request, barred] = process.argv.slice(2).map((a, i) => (i < 2 ? a : JSON.parse(a)));
      const client = createPeaClient({ url, apiKey, timeoutMs: 15000 });
      const allow = await client.authorize(request);
      const deny = await client.authorize(barred);
      const claims = await client.verifyArtifact(allow.artifact, request);
      const read = client.guard(async (_args, allowed) => "read with " + typeof allowed.artifact, () => request);
      const guarded = await read({});
      const refused = await client.guard(async () => "ran", () => barred)({}).catch((e) => e instanceof PeaDenied);
      const down = await createPeaClient({ url: "http://127.0.0.1:1", apiKey, timeoutMs: 500 }).authorize(request);
      console.log(JSON.stringify({ allow: allow.decision, deny: deny.reasons[0].code, action: claims.action, guarded, refused, down: down.reasons[0].code }));
    `;
    await writeFile(join(project, "check.mjs"), script);
    const { stdout } = await run(
      process.execPath,
      [
        "check.mjs",
        served.url,
        pdp.keys.get("alice") as string,
        JSON.stringify(stories.readResearch),
        JSON.stringify(stories.readDealDb),
      ],
      { cwd: project, env: { PATH: process.env.PATH ?? "" } },
    );
    expect(JSON.parse(stdout)).toEqual({
      allow: "allow",
      deny: "barrier",
      action: "dataset:read",
      guarded: "read with string",
      refused: true,
      down: "pdp_unavailable",
    });
  }, 60_000);
});
