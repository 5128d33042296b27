// Shared by the per-pack vector suites (one file per pack: each runs in its own worker process).
import type { PackName } from "@pea/policy-store";
import { afterAll, describe, expect } from "vitest";
import { type PackClient, pdpForSuite, startPackPdp } from "./support.js";

export type Case<R, E> = { request: R; expected: E };
export type Entity = { type: string; id: string };

export const passed: Record<string, string> = {};

/** Boot a pack once per describe block and hand its client to the cases. */
export function withPack(name: PackName, body: (client: () => PackClient) => void) {
  describe(`pack ${name}`, () => {
    body(pdpForSuite(() => startPackPdp(name)).client);
  });
}

/** Run every case; the test fails listing each case that differs, and records the pass count. */
export async function replay<C>(label: string, cases: C[], check: (c: C) => Promise<string | undefined>) {
  const failures: string[] = [];
  for (const [i, c] of cases.entries()) {
    const problem = await check(c);
    if (problem) failures.push(`#${i}: ${problem}`);
  }
  passed[label] = `${cases.length - failures.length}/${cases.length}`;
  expect(failures, `${label}: ${passed[label]}`).toEqual([]);
}

export const evaluationCheck = (client: () => PackClient) => async (c: Case<unknown, boolean>) => {
  const res = await client().call("POST", "/access/v1/evaluation", c.request);
  const want = { decision: c.expected };
  return res.status === 200 && JSON.stringify(res.json) === JSON.stringify(want)
    ? undefined
    : `${JSON.stringify(c.request)} → ${res.status} ${res.text}, want ${JSON.stringify(want)}`;
};

const byKey = (items: Array<Record<string, string>>) =>
  items.map((r) => JSON.stringify(r)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const searchCheck =
  (client: () => PackClient, kind: "subject" | "resource" | "action") =>
  async (c: Case<unknown, { results: Array<Record<string, string>> }>) => {
    const res = await client().call("POST", `/access/v1/search/${kind}`, c.request);
    const body = res.json as { results?: Array<Record<string, string>> };
    // Exactly { results }: order is free, every item carries only type and id (or name).
    const ok =
      res.status === 200 &&
      JSON.stringify(Object.keys(body)) === '["results"]' &&
      JSON.stringify(byKey(body.results ?? [])) === JSON.stringify(byKey(c.expected.results));
    return ok
      ? undefined
      : `${JSON.stringify(c.request)} → ${res.status} ${res.text}, want ${JSON.stringify(c.expected)}`;
  };

export function reportPassCounts() {
  afterAll(() => {
    console.log(`AuthZEN interop vectors passed: ${JSON.stringify(passed)}`);
  });
}
