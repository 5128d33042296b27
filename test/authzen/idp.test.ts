// Replays the public AuthZEN 1.0 interop vectors of scenario "idp" (6 cases) over HTTP
// against the real PDP app loaded with pack policy-store/packs/idp: ordinary policies and seed data.
import { expect, it } from "vitest";
import { readVectors } from "./support.js";
import { type Case, type Entity, replay, reportPassCounts, searchCheck, withPack } from "./vectors.js";

reportPassCounts();

withPack("idp", (client) => {
  it("results: 6 resource searches", async () => {
    const { search } = readVectors<{ search: Case<unknown, { results: Entity[] }>[] }>("idp/results.json");
    expect(search).toHaveLength(6);
    await replay("idp", search, searchCheck(client, "resource"));
  });
});
