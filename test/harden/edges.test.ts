// Hostile bodies at the PDP's and AuthZEN's edges: too deep, unstorable text, and one record the log
// cannot write beside ordinary ones. Each is a 400 naming the limit or the field (never a 500), and
// never spoils a neighbour.
const MAX_JSON_DEPTH = 64;

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

const nested = (depth: number, open: string, close: string, inner = "1") =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const deepObject = (depth: number) => nested(depth, '{"a":', "}");

describe("limits at the PDP's edges", () => {
  let pdp: TestPdp;
  let client: ReturnType<typeof pdpClient>;
  beforeAll(async () => {
    pdp = await startTestPdp();
    client = pdpClient(pdp, { maxBodyBytes: 256 * 1024 });
  });
  afterAll(async () => {
    await pdp?.close();
  });

  const withRaw = (field: string, raw: string, base: Record<string, unknown> = stories.readResearch) =>
    JSON.stringify(base).replace(/}$/, `,"${field}":${raw}}`);

  it("refuses deep nesting in context, evidence and resource attributes with a 400 naming the limit", async () => {
    const bodies = {
      "context 5,000": withRaw("context", deepObject(5_000)),
      "context 10,000": withRaw("context", deepObject(10_000)),
      "evidence 10,000": withRaw("evidence", deepObject(10_000)),
      "resource.attributes 30,000 arrays": JSON.stringify({
        ...stories.readResearch,
        resource: { type: "Payment", id: "p-deep", attributes: { x: 0 } },
      }).replace('{"x":0}', `{"x":${nested(30_000, "[", "]")}}`),
    };
    for (const [what, body] of Object.entries(bodies)) {
      for (const path of ["/v1/authorize", "/v1/authorize/batch"]) {
        const sent = path.endsWith("batch") ? `{"requests":[${body}]}` : body;
        const res = await client.call("POST", path, sent);
        expect(res.status, `${what} on ${path}`).toBe(400);
        expect(res.json.error?.message, what).toContain(`${MAX_JSON_DEPTH} levels`);
      }
      const authzen = await client.call(
        "POST",
        "/access/v1/evaluation",
        `{"subject":{"type":"user","id":"alice"},"action":{"name":"dataset:read"},"resource":{"type":"Dataset","id":"research-repo"},"context":${deepObject(10_000)}}`,
      );
      expect(authzen.status, `${what} on AuthZEN`).toBe(400);
    }
    // Nesting within the limit is read as before.
    const shallow = await client.authorize({ ...stories.readResearch, evidence: JSON.parse(deepObject(20)) });
    expect(shallow.json.decision).toBe("allow");
  });

  it("a deep request beside 30 ordinary ones: every ordinary one is allowed", async () => {
    const answers = await Promise.all([
      client.call("POST", "/v1/authorize", withRaw("evidence", deepObject(5_000))),
      ...Array.from({ length: 30 }, () => client.authorize(stories.readResearch)),
    ]);
    expect(answers[0]?.status).toBe(400);
    expect(answers.slice(1).map((a) => a.json.decision)).toEqual(Array(30).fill("allow"));
  });

  it("a record the log cannot write fails alone, never its batch", async () => {
    // Past the HTTP edge (a caller of the log inside PEA): too deep to hash, and unstorable text.
    const ordinary = (i: number) => ({
      id: `dec_ordinary${i}`,
      principal: "Agent::research-assistant",
      action: "dataset:read",
      resource: "Dataset::research-repo",
      intent: null,
      runId: null,
      decision: "allow" as const,
      reasons: [],
      request: { i },
      determiningPolicies: [],
      policyVersion: "v",
      entitlementVersion: 1,
      apiKeyId: null,
    });
    const hostile = [
      { ...ordinary(100), id: "dec_deep", request: JSON.parse(deepObject(5_000)) },
      { ...ordinary(101), id: "dec_deeper", request: JSON.parse(nested(30_000, "[", "]")) },
      { ...ordinary(102), id: "dec_surrogate", request: { note: "\udc00" } },
    ];
    for (const bad of hostile) {
      const results = await Promise.allSettled([
        pdp.log.record(bad),
        ...Array.from({ length: 30 }, (_, i) => pdp.log.record({ ...ordinary(i), id: `${bad.id}_${i}` })),
      ]);
      expect(results[0]?.status, bad.id).toBe("rejected");
      expect(results.slice(1).filter((r) => r.status === "fulfilled").length, bad.id).toBe(30);
    }
  });

  it("refuses NUL and unpaired surrogates on every entry point, AuthZEN included", async () => {
    const cases: Array<[string, string, unknown]> = [
      [
        "POST",
        "/access/v1/evaluation",
        {
          subject: { type: "user", id: "\uDC00" },
          action: { name: "dataset:read" },
          resource: { type: "Dataset", id: "research-repo" },
        },
      ],
      [
        "POST",
        "/access/v1/evaluations",
        {
          evaluations: [
            { subject: { type: "user", id: "a\u0000" }, action: { name: "x" }, resource: { type: "t", id: "1" } },
          ],
        },
      ],
      ["POST", "/v1/authorize", { ...stories.readResearch, principal: { type: "Agent", id: "\uD800x" } }],
      [
        "POST",
        "/v1/runs",
        { principal: { type: "Agent", id: "deal-assistant\u0000" }, chain: [], intent: "deal-prep" },
      ],
      ["POST", "/v1/revocations", { target: { type: "Agent", id: "\uDC00" }, reason: "x" }],
      ["POST", "/v1/approvals/apr_x/approve", { note: "\u0000" }],
    ];
    for (const [method, path, body] of cases) {
      const res = await client.call(method, path, body);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.json.error?.code).toBe("invalid_request");
      expect(res.json.error?.message).toMatch(/NUL|surrogate/);
    }
  });
});
