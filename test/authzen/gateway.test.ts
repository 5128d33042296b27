// Replays the public AuthZEN 1.0 interop vectors of scenario "gateway" (25 cases) over HTTP
// against the real PDP app loaded with pack policy-store/packs/gateway: ordinary policies and seed data.
import { expect, it } from "vitest";
import { readVectors } from "./support.js";
import { type Case, evaluationCheck, replay, reportPassCounts, withPack } from "./vectors.js";

reportPassCounts();

withPack("gateway", (client) => {
  it("decisions: 25 evaluations", async () => {
    const { evaluation } = readVectors<{ evaluation: Case<unknown, boolean>[] }>("gateway/decisions.json");
    expect(evaluation).toHaveLength(25);
    await replay("gateway", evaluation, evaluationCheck(client));
  });
});
