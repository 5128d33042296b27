// The documented switch: PEA_PACK=<name> starts a real PDP on a port loaded with one interop pack.
import { parsePdpConfig, startPdp } from "@pea/pdp";
import { describe, expect, it } from "vitest";
import { keyFromCli, untilKeyIsKnown } from "../support/keys.js";
import { livePdpEnv } from "../support/live-pdp.js";
import { readVectors } from "./support.js";

describe("PEA_PACK", () => {
  it("is parsed with the other settings; a pack's embedded store defaults apart from the bank's", () => {
    expect(parsePdpConfig({ PEA_PACK: "todo" }).PEA_DATA_DIR).toBe("./.pea-todo");
    expect(parsePdpConfig({ PEA_PACK: "todo", PEA_DATA_DIR: "/tmp/x" }).PEA_DATA_DIR).toBe("/tmp/x");
    expect(parsePdpConfig({}).PEA_PACK).toBeUndefined();
    expect(() => parsePdpConfig({ PEA_PACK: "bank-heist" })).toThrow(/PEA_PACK/);
  });

  it("PEA_PACK=gateway serves the gateway scenario on a live port, over real HTTP", async () => {
    const key = "pea_packtest01.abcdefghijklmnopqrstuvwxyz0123";
    const { env, store } = await livePdpEnv("pea-pack-", { PEA_PACK: "gateway", PEA_BOOTSTRAP_API_KEY: key });
    const pdp = await startPdp(parsePdpConfig(env), () => {});
    try {
      // The enforcement point's own key: a gateway key speaks for the subjects it authenticated.
      const gateway = await keyFromCli({ PEA_DATA_DIR: env.PEA_DATA_DIR, DATABASE_URL: store?.url }, ["--gateway"]);
      await untilKeyIsKnown(pdp.url, gateway);
      const meta = (await (await fetch(`${pdp.url}/.well-known/authzen-configuration`)).json()) as Record<
        string,
        string
      >;
      const { evaluation } = readVectors<{ evaluation: Array<{ request: unknown; expected: boolean }> }>(
        "gateway/decisions.json",
      );
      let passed = 0;
      for (const c of evaluation) {
        const res = await fetch(meta.access_evaluation_endpoint as string, {
          method: "POST",
          headers: { authorization: `Bearer ${gateway}`, "content-type": "application/json", "x-request-id": "gw-1" },
          body: JSON.stringify(c.request),
        });
        expect(res.headers.get("x-request-id")).toBe("gw-1");
        if (JSON.stringify(await res.json()) === JSON.stringify({ decision: c.expected })) passed++;
      }
      expect(passed).toBe(25);
    } finally {
      await pdp.close();
      await store?.close();
    }
  }, 120_000); // a cold start migrates a new store: slow on a busy two-core machine
});
