// The PDP as `npm start` runs it: a real port, the embedded store on disk, the CLI alongside.
import { parsePdpConfig, startPdp } from "@pea/pdp";
import { describe, expect, it } from "vitest";
import { keyFromCli, untilKeyIsKnown } from "../support/keys.js";
import { livePdpEnv } from "../support/live-pdp.js";
import { stories } from "../support/requests.js";

const post = (url: string, key: string, body: unknown) =>
  fetch(`${url}/v1/authorize`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as { decision: string; reasons?: Array<{ code: string }> },
  }));

describe("the PDP on a live port", () => {
  it("prints the first key once, serves decisions, lets the CLI work alongside, and keeps data across restarts", async () => {
    const { env, store } = await livePdpEnv("pea-live-");
    const printed: string[] = [];
    let aliceKey = "";
    const first = await startPdp(parsePdpConfig(env), (line) => printed.push(line));
    try {
      const key = /pea_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(printed.join("\n"))?.[0] ?? "";
      expect(key).not.toBe("");
      // The bootstrap key administers; it speaks for nobody.
      const asBootstrap = await post(first.url, key, stories.readResearch);
      expect(asBootstrap.json.decision).toBe("deny");
      expect(asBootstrap.json.reasons?.[0]?.code).toBe("unverified_principal");

      // While the PDP holds the store, the CLI still works (through it, on the embedded store):
      // it makes alice's own key, and alice's research assistant asks with it.
      const alice = await keyFromCli(env, ["--user", "alice"]);
      await untilKeyIsKnown(first.url, alice);
      expect((await post(first.url, alice, stories.readResearch)).json.decision).toBe("allow");
      aliceKey = alice;
    } finally {
      await first.close();
    }

    const printedAgain: string[] = [];
    const restarted = await startPdp(parsePdpConfig(env), (line) => printedAgain.push(line));
    try {
      expect(printedAgain).toEqual([]);
      const deal = await post(restarted.url, aliceKey, stories.readDealDb);
      expect(deal.json.decision).toBe("deny");
      expect(deal.json.reasons?.[0]?.code).toBe("barrier");
    } finally {
      await restarted.close();
      await store?.close();
    }
    // Two PDP starts on a data directory, and the CLI beside them: slow on a loaded machine.
  }, 90_000);

  it("creates the bootstrap key it is given instead of printing one", async () => {
    const key = "pea_automation01.abcdefghijklmnopqrstuvwxyz012345";
    const { env, store } = await livePdpEnv("pea-boot-", { PEA_BOOTSTRAP_API_KEY: key });
    const printed: string[] = [];
    const pdp = await startPdp(parsePdpConfig(env), (line) => printed.push(line));
    try {
      expect(printed).toEqual([]);
      expect((await post(pdp.url, key, stories.readResearch)).status).toBe(200);

      // Served by Node, every answer carries exactly one X-Request-ID: the caller's, or a new one.
      const requestIdOf = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${pdp.url}${path}`, init);
        await response.arrayBuffer();
        return { status: response.status, id: response.headers.get("x-request-id") };
      };
      const asked = { authorization: `Bearer ${key}`, "content-type": "application/json" };
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      const body = JSON.stringify(stories.readResearch);
      expect(await requestIdOf("/v1/authorize", { method: "POST", headers: asked, body })).toMatchObject({
        status: 200,
        id: expect.stringMatching(uuid),
      });
      const echoed = { ...asked, "x-request-id": "trace-42" };
      expect(await requestIdOf("/v1/authorize", { method: "POST", headers: echoed, body })).toEqual({
        status: 200,
        id: "trace-42",
      });
      const wrongKey = { ...echoed, authorization: "Bearer pea_nobody0000.nosuchsecretnosuchsecret00" };
      expect(await requestIdOf("/v1/authorize", { method: "POST", headers: wrongKey, body })).toEqual({
        status: 401,
        id: "trace-42",
      });
      expect(await requestIdOf("/no/such/route", { headers: { "x-request-id": "trace-43" } })).toEqual({
        status: 404,
        id: "trace-43",
      });
      expect(await requestIdOf("/healthz")).toMatchObject({ status: 200, id: expect.stringMatching(uuid) });
    } finally {
      await pdp.close();
      await store?.close();
    }
  });
});
