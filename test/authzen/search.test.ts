// Replays the public AuthZEN 1.0 interop vectors of scenario "search" (60 + 18 + 120 cases) over HTTP
// against the real PDP app loaded with pack policy-store/packs/search: ordinary policies and seed data.
import { expect, it } from "vitest";
import { readVectors } from "./support.js";
import { type Case, type Entity, replay, reportPassCounts, searchCheck, withPack } from "./vectors.js";

reportPassCounts();

withPack("search", (client) => {
  for (const [kind, count] of [
    ["subject", 60],
    ["resource", 18],
    ["action", 120],
  ] as const) {
    it(`${kind}-results: ${count} searches`, async () => {
      const { evaluation } = readVectors<{ evaluation: Case<unknown, { results: Entity[] }>[] }>(
        `search/${kind}-results.json`,
      );
      expect(evaluation).toHaveLength(count);
      await replay(`search ${kind}`, evaluation, searchCheck(client, kind));
    });
  }
});
