// Replays the public AuthZEN 1.0 interop vectors of scenario "todo" (40 + 43 cases) over HTTP
// against the real PDP app loaded with pack policy-store/packs/todo: ordinary policies and seed data.
import { expect, it } from "vitest";
import { readVectors } from "./support.js";
import { type Case, evaluationCheck, replay, reportPassCounts, withPack } from "./vectors.js";

reportPassCounts();

withPack("todo", (client) => {
  it("decisions-authorization-api-1_0-01: 40 evaluations", async () => {
    const { evaluation } = readVectors<{ evaluation: Case<unknown, boolean>[] }>(
      "todo/decisions-authorization-api-1_0-01.json",
    );
    expect(evaluation).toHaveLength(40);
    await replay("todo 01", evaluation, evaluationCheck(client));
  });

  it("decisions-authorization-api-1_0-02: 40 evaluations + 3 boxcarred evaluations", async () => {
    const vectors = readVectors<{
      evaluation: Case<unknown, boolean>[];
      evaluations: Case<unknown, Array<{ decision: boolean }>>[];
    }>("todo/decisions-authorization-api-1_0-02.json");
    const cases = [
      ...vectors.evaluation.map((c) => ({ kind: "one" as const, c })),
      ...vectors.evaluations.map((c) => ({ kind: "many" as const, c })),
    ];
    expect(cases).toHaveLength(43);
    await replay("todo 02", cases, async ({ kind, c }) => {
      if (kind === "one") return evaluationCheck(client)(c as Case<unknown, boolean>);
      const res = await client().call("POST", "/access/v1/evaluations", c.request);
      const want = { evaluations: c.expected };
      return res.status === 200 && JSON.stringify(res.json) === JSON.stringify(want)
        ? undefined
        : `${JSON.stringify(c.request)} → ${res.status} ${res.text}, want ${JSON.stringify(want)}`;
    });
  });
});
