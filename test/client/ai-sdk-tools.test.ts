// The Vercel AI SDK adapter (examples/ai-sdk-tools) against the real PDP over HTTP: the tool calls a
// model would make, driven directly. The agent's runtime holds its own key; the run is alice's.
import { createPeaClient } from "@pea/client";
import { researchTools } from "@pea/example-ai-sdk-tools";
import { describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { servedPdpForFile } from "./support.js";

const { pdp, url } = servedPdpForFile();

const options = { toolCallId: "call-1", messages: [] };

describe("AI SDK tools guarded by PEA", () => {
  it("run when allowed, answer the refusal when not, and stop a leak after MNPI", async () => {
    const alice = createPeaClient({ url: url(), apiKey: pdp().keys.get("alice") as string, timeoutMs: 15_000 });
    const run = await alice
      .startRun({
        principal: { type: "Agent", id: "deal-assistant" },
        chain: [{ type: "User", id: "bob" }],
        intent: "deal-prep",
      })
      .catch((e) => e);
    expect(run).toMatchObject({ status: 403 }); // alice cannot start bob's run

    const bob = createPeaClient({ url: url(), apiKey: pdp().keys.get("bob") as string, timeoutMs: 15_000 });
    const { id } = await bob.startRun({
      principal: { type: "Agent", id: "deal-assistant" },
      chain: [{ type: "User", id: "bob" }],
      intent: "deal-prep",
    });
    const runtime = createPeaClient({
      url: url(),
      apiKey: pdp().keys.get("deal-assistant") as string,
      timeoutMs: 15_000,
    });
    const outbox: Array<{ to: string; body: string }> = [];
    const tools = researchTools(
      runtime,
      { agent: "deal-assistant", user: "bob", intent: "deal-prep", run: id },
      outbox,
    );
    const readDataset = tools.readDataset.execute as NonNullable<typeof tools.readDataset.execute>;
    const sendEmail = tools.sendEmail.execute as NonNullable<typeof tools.sendEmail.execute>;

    expect(await readDataset({ id: "deal-db" }, options)).toEqual({
      id: "deal-db",
      rows: ["Project Falcon: ACME, due diligence"],
    });
    expect(await readDataset({ id: "research-repo" }, options)).toMatchObject({ refused: { code: "barrier" } });
    expect(await sendEmail({ to: "analyst@meridian.example", subject: "memo", body: "internal" }, options)).toEqual({
      sent: "analyst@meridian.example",
    });
    expect(await sendEmail({ to: "reporter@press.example", subject: "ACME", body: "Falcon" }, options)).toMatchObject({
      refused: { code: "barrier", message: expect.stringMatching(/outside the firm/) },
    });
    expect(outbox.map((m) => m.to)).toEqual(["analyst@meridian.example"]);

    const lineage = await pdpClient(pdp()).call("GET", `/v1/runs/${id}/lineage`);
    expect(JSON.stringify(lineage.json).match(/"executed"/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses, and runs nothing, when PEA cannot be reached", async () => {
    const unreachable = createPeaClient({ url: "http://127.0.0.1:1", apiKey: "pea_x.y", timeoutMs: 300 });
    const outbox: Array<{ to: string; body: string }> = [];
    const tools = researchTools(unreachable, { agent: "a", user: "u", intent: "i", run: "r" }, outbox);
    const sendEmail = tools.sendEmail.execute as NonNullable<typeof tools.sendEmail.execute>;
    expect(await sendEmail({ to: "x@meridian.example", subject: "s", body: "b" }, options)).toMatchObject({
      refused: { code: "pdp_unavailable" },
    });
    expect(outbox).toEqual([]);
  });
});
