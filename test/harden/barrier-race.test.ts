// The information barrier under concurrency: bob's deal-assistant reads MNPI about ACME while
// e-mails to an outside fund race it. An e-mail allowed after the read (later in the audit chain,
// so it should have seen the read) is a breach. One process, one batch, two PDPs on one Postgres.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { type PdpClient, pdpClient } from "../support/http.js";
import { dealAssistantForBob, readDeals } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { chainPositions, secondPdp } from "./support.js";

const emailOut = {
  ...dealAssistantForBob,
  action: "email:send",
  resource: { type: "EmailAddress", id: "partner@outside-fund.example" },
};
type Answer = { json: { decision?: string; decisionId?: unknown } };

let clock = new Date("2026-03-02T09:00:00Z");
// Every trial starts with bob's taint out of the look-back window.
const nextTrial = () => {
  clock = new Date(clock.getTime() + 3_601_000);
};

/** E-mails allowed after the MNPI read's allow in the chain. */
async function breaches(pdp: TestPdp, read: Answer, emails: Answer[]): Promise<number> {
  if (read.json.decision !== "allow") return 0;
  const allowed = emails.filter((e) => e.json.decision === "allow").map((e) => String(e.json.decisionId));
  const positions = await chainPositions(pdp, [String(read.json.decisionId), ...allowed]);
  const readAt = positions.get(String(read.json.decisionId));
  if (readAt === undefined) throw new Error("the read was allowed but not recorded");
  return allowed.filter((id) => (positions.get(id) ?? Number.POSITIVE_INFINITY) > readAt).length;
}

describe("history barriers under concurrency", () => {
  let pdp: TestPdp;
  let client: PdpClient;
  beforeAll(async () => {
    pdp = await startTestPdp({ now: () => clock, historyWindowSeconds: 3600 });
    client = pdpClient(pdp);
  });
  afterAll(async () => pdp?.close());

  const startRun = async (via = client) => {
    const run = (await via.call("POST", "/v1/runs", dealAssistantForBob)).json.id as string;
    expect(run).toMatch(/^run_/);
    return run;
  };

  /**
   * Five trials of 100 concurrent requests on one run, the MNPI read at a different place each time,
   * the i-th sent through `clientFor(i)`: the breaches counted over all of them.
   */
  const concurrentTrials = async (stride: number, clientFor: (i: number) => PdpClient) => {
    let total = 0;
    for (let trial = 0; trial < 5; trial++) {
      nextTrial();
      const run = await startRun();
      const at = (trial * stride) % 100;
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          clientFor(i).authorize(i === at ? { ...readDeals, run } : { ...emailOut, run }),
        ),
      );
      const read = answers[at] as Answer;
      expect(read.json.decision, JSON.stringify(read.json)).toBe("allow");
      total += await breaches(
        pdp,
        read,
        answers.filter((_, i) => i !== at),
      );
    }
    return total;
  };

  it("100 concurrent requests on one run: no e-mail allowed after the MNPI read", { timeout: 120_000 }, async () => {
    expect(await concurrentTrials(23, () => client)).toBe(0);
  });

  it("one batch holding the read and an e-mail: the e-mail never follows the read", { timeout: 120_000 }, async () => {
    let total = 0;
    for (let trial = 0; trial < 20; trial++) {
      nextTrial();
      const run = await startRun();
      const requests =
        trial % 2
          ? [
              { ...readDeals, run },
              { ...emailOut, run },
            ]
          : [
              { ...emailOut, run },
              { ...readDeals, run },
            ];
      const { json } = await client.call("POST", "/v1/authorize/batch", { requests });
      const responses = (json.responses as Answer["json"][]).map((r) => ({ json: r }));
      const readAt = trial % 2 ? 0 : 1;
      total += await breaches(pdp, responses[readAt] as Answer, [responses[1 - readAt] as Answer]);
    }
    expect(total).toBe(0);
  });

  it(`two PDPs on one ${storeKind} store, 100 concurrent requests on one run: no breach`, {
    timeout: 180_000,
  }, async () => {
    const other = await secondPdp(pdp, { now: () => clock, historyWindowSeconds: 3600 });
    const otherClient = pdpClient(other);
    try {
      expect(await concurrentTrials(37, (i) => (i % 2 ? otherClient : client))).toBe(0);
    } finally {
      await other.close();
    }
  });
});
