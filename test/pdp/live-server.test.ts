// The PDP as `npm start` runs it: a real port, the embedded store on disk, the CLI alongside.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@pea/cli";
import { parsePdpConfig, startPdp } from "@pea/pdp";
import { describe, expect, it } from "vitest";
import { testEnv } from "../support/env.js";
import { stories } from "../support/requests.js";
import { openTestStore } from "../support/store.js";

const post = (url: string, key: string, body: unknown) =>
  fetch(`${url}/v1/authorize`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as { decision: string } }));

describe("the PDP on a live port", () => {
  it("prints the first key once, serves decisions, lets the CLI work alongside, and keeps data across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pea-live-"));
    const store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const env = {
      PEA_DATA_DIR: dataDir,
      PEA_PDP_PORT: "0",
      PEA_EMBEDDED_PORT: "0",
      PEA_LOG_LEVEL: "silent",
      DATABASE_URL: store?.url,
    };
    const printed: string[] = [];
    const first = await startPdp(parsePdpConfig(env), (line) => printed.push(line));
    try {
      const key = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(printed.join("\n"))?.[0] ?? "";
      expect(key).not.toBe("");
      expect((await post(first.url, key, stories.readResearch)).json.decision).toBe("allow");

      // While the PDP holds the store, the CLI still works (through it, on the embedded store).
      const lines: string[] = [];
      const code = await main(["keys", "create", "--name", "second"], env, {
        log: (l) => lines.push(l),
        error: (l) => lines.push(l),
      });
      expect(code, lines.join("\n")).toBe(0);
      const second = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(lines.join("\n"))?.[0] ?? "";
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await post(first.url, second, stories.readResearch)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
    } finally {
      await first.close();
    }

    const printedAgain: string[] = [];
    const restarted = await startPdp(parsePdpConfig(env), (line) => printedAgain.push(line));
    try {
      expect(printedAgain).toEqual([]);
      const key = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(printed.join("\n"))?.[0] ?? "";
      expect((await post(restarted.url, key, stories.readDealDb)).json.decision).toBe("deny");
    } finally {
      await restarted.close();
      await store?.close();
    }
  });

  it("creates the bootstrap key it is given instead of printing one", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pea-boot-"));
    const store = testEnv.DATABASE_URL ? await openTestStore() : undefined;
    const key = "pea_automation01.abcdefghijklmnopqrstuvwxyz012345";
    const printed: string[] = [];
    const pdp = await startPdp(
      parsePdpConfig({
        PEA_DATA_DIR: dataDir,
        PEA_EMBEDDED_PORT: "0",
        PEA_PDP_PORT: "0",
        PEA_LOG_LEVEL: "silent",
        PEA_BOOTSTRAP_API_KEY: key,
        DATABASE_URL: store?.url,
      }),
      (line) => printed.push(line),
    );
    try {
      expect(printed).toEqual([]);
      expect((await post(pdp.url, key, stories.readResearch)).status).toBe(200);
    } finally {
      await pdp.close();
      await store?.close();
    }
  });
});
