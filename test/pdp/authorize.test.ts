import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PdpClient, startPdpWithClient } from "../support/http.js";
import { initiatePayment, paymentObject, stories, userActs } from "../support/requests.js";
import { type TestPdp, waitFor } from "../support/store.js";

let pdp: TestPdp;
let client: PdpClient;

beforeAll(async () => {
  ({ pdp, client } = await startPdpWithClient());
});
afterAll(async () => pdp.close());

describe("the demo bank's stories", () => {
  it("lets alice's research assistant read the research repository", async () => {
    const { status, json } = await client.authorize(stories.readResearch);
    expect(status).toBe(200);
    expect(json.decision).toBe("allow");
    expect(json.decisionId).toMatch(/^dec_/);
    expect(json.policyVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(json.entitlementVersion).toBeGreaterThan(0);
  });

  it("stops the agent exporting the client list (intent scope) although alice herself may", async () => {
    const viaAgent = await client.authorize(stories.exportClientsViaAgent);
    expect(viaAgent.json.decision).toBe("deny");
    expect(viaAgent.json.reasons?.[0]).toMatchObject({
      code: "intent_scope",
      link: "Agent::research-assistant",
      policy: "core.intent-capability",
    });
    const direct = await client.authorize(stories.exportClientsDirectly);
    expect(direct.json.decision).toBe("allow");
  });

  it("walls the agent off the deal database and names the link", async () => {
    const { json } = await client.authorize(stories.readDealDb);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]).toMatchObject({ code: "barrier", policy: "bank.segment-wall", link: "User::alice" });
  });

  it("lets a registered sub-agent act under the task, and nobody else", async () => {
    expect((await client.authorize(stories.subAgentReadsMarketData)).json.decision).toBe("allow");
    const unregistered = await client.authorize({
      ...stories.subAgentReadsMarketData,
      principal: { type: "Agent", id: "research-assistant" },
      chain: [
        { type: "User", id: "alice" },
        { type: "Agent", id: "web-fetcher" },
      ],
    });
    expect(unregistered.json.reasons?.[0]).toMatchObject({
      code: "delegation_invalid",
      link: "Agent::research-assistant",
    });
  });

  it("refuses an agent acting for someone other than its owner", async () => {
    const { json } = await client.authorize({ ...stories.readResearch, chain: [{ type: "User", id: "bob" }] });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.map((r) => r.code)).toContain("barrier");
    const sameSegmentStranger = await client.authorize({
      ...stories.readResearch,
      principal: { type: "Agent", id: "deal-assistant" },
      intent: "deal-prep",
    });
    expect(sameSegmentStranger.json.reasons?.[0]).toMatchObject({
      code: "delegation_invalid",
      link: "Agent::deal-assistant",
    });
  });

  it("denies an agent a task it does not hold", async () => {
    const { json } = await client.authorize({ ...stories.readResearch, intent: "vendor-payment" });
    expect(json.decision).toBe("deny");
    // The action is outside that task's capabilities too; both forbids are named, in no set order.
    expect(json.reasons).toContainEqual(
      expect.objectContaining({
        code: "intent_scope",
        policy: "core.intent-granted",
        link: "Agent::research-assistant",
      }),
    );
  });

  it("denies an agent acting with no task at all", async () => {
    const { intent: _omit, ...noIntent } = stories.readResearch;
    const { json } = await client.authorize(noIntent);
    expect(json.reasons?.[0]).toMatchObject({ code: "intent_scope", policy: "core.intent-required" });
  });

  it("judges a human acting directly on their own entitlements", async () => {
    const bobReadsDeals = await client.authorize(userActs("bob", "dataset:read", { type: "Dataset", id: "deal-db" }));
    expect(bobReadsDeals.json.decision).toBe("allow");
    const carolReadsDeals = await client.authorize(
      userActs("carol", "dataset:read", { type: "Dataset", id: "deal-db" }),
    );
    expect(carolReadsDeals.json.reasons?.[0]?.code).toBe("barrier");
    const carolPays = await client.authorize(userActs("carol", "payment:initiate", paymentObject("p-1", 10, "x")));
    expect(carolPays.json.reasons?.[0]).toMatchObject({ code: "not_permitted", link: "User::carol" });
  });
});

describe("governance attributes come from the store", () => {
  it("ignores caller-sent attributes of a registered resource", async () => {
    const { json } = await client.authorize({
      ...stories.readDealDb,
      resource: { type: "Dataset", id: "deal-db", attributes: { classification: "internal", mnpi: false } },
    });
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.code).toBe("barrier");
  });

  it("takes a new business object's attributes from the caller, type-checked", async () => {
    const payment = initiatePayment("p-9", 500);
    expect((await client.authorize(payment)).json.decision).toBe("allow");
    // Another new object (p-9 is now recorded: describing it differently is object_mismatch).
    const mistyped = await client.authorize({
      ...payment,
      resource: { type: "Payment", id: "p-9-typo", attributes: { amount: "500", currency: "EUR", payee: "Acme" } },
    });
    expect(mistyped.status).toBe(200);
    expect(mistyped.json.reasons?.[0]).toMatchObject({ code: "invalid_request" });
    expect(mistyped.json.reasons?.[0]?.message).toContain("resource.attributes.amount");
  });

  it("decides whether an address is outside the firm from its own configuration", async () => {
    const send = (to: string) =>
      client.authorize(
        userActs("bob", "email:send", { type: "EmailAddress", id: to, attributes: { external: false } }),
      );
    expect((await send("erin@meridian.example")).json.decision).toBe("allow");
    expect((await send("not-an-address")).json.reasons?.[0]?.code).toBe("invalid_request");
  });
});

describe("unknown entities are denied", () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ["principal", { ...stories.readResearch, principal: { type: "Agent", id: "ghost" } }],
    ["chain link", { ...stories.readResearch, chain: [{ type: "User", id: "mallory" }] }],
    ["principal type", { ...stories.readResearch, principal: { type: "Dataset", id: "market-data" } }],
    ["intent", { ...stories.readResearch, intent: "world-domination" }],
    ["action", { ...stories.readResearch, action: "dataset:obliterate" }],
    ["resource", { ...stories.readResearch, resource: { type: "Dataset", id: "nope" } }],
    ["resource type", { ...stories.readResearch, action: "dataset:read", resource: { type: "Spaceship", id: "x" } }],
  ];
  it.each(cases)("unknown %s", async (name, request) => {
    const { status, json } = await client.authorize(request);
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    // Nobody can show that a human PEA does not know delegated anything: refused before any lookup.
    const expected = name === "chain link" ? ["unverified_delegation"] : ["unknown_entity", "invalid_request"];
    expect(expected).toContain(json.reasons?.[0]?.code);
  });

  it("treats ids that look like Cedar as plain data", async () => {
    for (const id of [
      'alice" || true || "',
      'alice"\n};permit(principal,action,resource);//',
      'User::"alice"',
      "alice\\",
    ]) {
      const { status, json } = await client.authorize({
        ...stories.exportClientsDirectly,
        principal: { type: "User", id },
      });
      expect(status).toBe(200);
      expect(json.decision).toBe("deny");
      expect(json.reasons?.[0]?.code).toBe("unknown_entity");
    }
    const { json } = await client.authorize({
      ...stories.readResearch,
      resource: { type: "Dataset", id: 'research-repo" || principal == principal || "' },
    });
    expect(json.reasons?.[0]?.code).toBe("unknown_entity");
  });
});

describe("requests that cannot be read", () => {
  it.each([
    ["principal", { action: "dataset:read", resource: { type: "Dataset", id: "x" } }],
    ["chain[0].id", { ...stories.readResearch, chain: [{ type: "User" }] }],
    ["action", { ...stories.readResearch, action: 42 }],
    ["resource.type", { ...stories.readResearch, resource: { type: "lower case", id: "x" } }],
    ["resouce", { ...stories.readResearch, resouce: {} }],
    ["context", { ...stories.readResearch, context: [] }],
  ])("names the field %s", async (field, body) => {
    const { status, json } = await client.authorize(body);
    expect(status).toBe(400);
    expect(json.error?.code).toBe("invalid_request");
    expect(json.error?.message).toContain(field);
    expect(json.error?.requestId).toBeTruthy();
  });

  it("rejects the NUL character anywhere, naming where", async () => {
    const { status, json } = await client.authorize({ ...stories.readResearch, context: { purpose: "a\u0000b" } });
    expect(status).toBe(400);
    expect(json.error?.message).toContain("context.purpose");
    const surrogate = await client.authorize({ ...stories.readResearch, context: { purpose: "a\uD800b" } });
    expect(surrogate.status).toBe(400);
    expect(surrogate.json.error?.message).toContain("context.purpose");
  });

  it("rejects malformed JSON", async () => {
    const { status, json } = await client.authorize("{not json");
    expect(status).toBe(400);
    expect(json.error?.message).toMatch(/JSON/);
  });

  it("rejects a body that is not JSON", async () => {
    const { status, json } = await client.call("POST", "/v1/authorize", "x=1", { "content-type": "text/plain" });
    expect(status).toBe(415);
    expect(json.error?.code).toBe("unsupported_media_type");
  });

  it("rejects an oversized body without reading it all", async () => {
    const big = { ...stories.readResearch, context: { purpose: "x".repeat(70_000) } };
    const { status, json } = await client.authorize(big);
    expect(status).toBe(413);
    expect(json.error?.code).toBe("payload_too_large");
  });

  it("type-checks caller context against the schema and names the field", async () => {
    const { status, json } = await client.authorize({ ...stories.readResearch, context: { amount: "lots" } });
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    expect(json.reasons?.[0]?.code).toBe("invalid_request");
    expect(json.reasons?.[0]?.message).toContain("context.amount");
  });

  it("echoes a caller's X-Request-ID", async () => {
    const { headers, json } = await client.authorize({}, { "x-request-id": "trace-123" });
    expect(headers.get("x-request-id")).toBe("trace-123");
    expect(json.error?.requestId).toBe("trace-123");
  });
});

describe("authentication", () => {
  it("requires a bearer key on /v1", async () => {
    for (const authorization of ["", "Bearer nope", `Basic ${pdp.key}`, `Bearer ${pdp.key}x`]) {
      const { status, json, headers } = await client.authorize(stories.readResearch, { authorization });
      expect(status).toBe(401);
      expect(json.error?.code).toBe("unauthorized");
      expect(headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("enforces key scopes and picks up new keys at once", async () => {
    const { createApiKey } = await import("@pea/policy-store");
    const auditor = await createApiKey(pdp.database, { kind: "admin", name: "auditor", scopes: ["audit"] });
    await waitFor(() => pdp.engine.keys.verify(auditor.key) !== undefined);
    const { status, json } = await client.authorize(stories.readResearch, { authorization: `Bearer ${auditor.key}` });
    expect(status).toBe(403);
    expect(json.error?.code).toBe("forbidden");
  });

  it("leaves health, readiness, metrics and the API description open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]) {
      const { status } = await client.call("GET", path, undefined, { authorization: "" });
      expect(status, path).toBe(200);
    }
  });
});

describe("batch", () => {
  it("answers up to 100 requests in order", async () => {
    const requests = [
      stories.readResearch,
      stories.readDealDb,
      stories.exportClientsDirectly,
      stories.exportClientsViaAgent,
    ];
    const { status, json } = await client.call("POST", "/v1/authorize/batch", { requests });
    expect(status).toBe(200);
    const responses = json.responses as Array<{ decision: string; decisionId: string }>;
    expect(responses.map((r) => r.decision)).toEqual(["allow", "deny", "allow", "deny"]);
    expect(new Set(responses.map((r) => r.decisionId)).size).toBe(4);
  });

  it("refuses more than 100, naming the field", async () => {
    const { status, json } = await client.call("POST", "/v1/authorize/batch", {
      requests: Array.from({ length: 101 }, () => stories.readResearch),
    });
    expect(status).toBe(400);
    expect(json.error?.message).toContain("requests");
  });
});

describe("the decision log and the surroundings", () => {
  it("records every decision with its request, evidence, reasons and versions", async () => {
    const { json } = await client.authorize({ ...stories.readDealDb, evidence: { alignmentScore: 0.2 } });
    const rows = await pdp.database.query<{
      decision: string;
      reasons: unknown;
      request: { evidence?: unknown };
      policy_version: string;
    }>("SELECT decision, reasons, request, policy_version FROM decisions WHERE id = $1", [json.decisionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.decision).toBe("deny");
    expect(rows[0]?.request.evidence).toEqual({ alignmentScore: 0.2 });
    expect(rows[0]?.policy_version).toBe(json.policyVersion);
  });

  it("counts decisions by decision and reason in /metrics", async () => {
    const { text } = await client.call("GET", "/metrics");
    expect(text).toMatch(/pea_decisions_total\{decision="deny",reason="barrier"\} \d+/);
    expect(text).toMatch(/pea_decision_duration_seconds_bucket\{le="[\d.]+",endpoint="authorize",decision="deny"\}/);
    expect(text).toContain("pea_ready 1");
  });

  it("exposes runtime, build and store figures in /metrics", async () => {
    const { text } = await client.call("GET", "/metrics");
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^pea_build_info\{service="pdp",version="[^"]+",node="v\d+[^"]*"\} 1$/m);
    expect(text).toMatch(/^pea_audit_batch_records_count [1-9]\d*$/m);
    expect(text).toMatch(/^pea_audit_write_duration_seconds_count\{result="ok"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pea_link_cache_lookups_total\{result="(hit|miss)"\} \d+$/m);
    expect(text).toMatch(/^pea_link_cache_hit_ratio [\d.e-]+$/m);
    expect(text).toContain("# TYPE pea_store_errors_total counter");
  });

  it("generates the OpenAPI document from the contracts", async () => {
    const { json } = await client.call("GET", "/openapi.json");
    const paths = json.paths as Record<string, unknown>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(["/v1/authorize", "/v1/authorize/batch", "/readyz"]));
    expect(JSON.stringify(json)).toContain("AuthorizeRequest");
  });

  it("sees an entitlement change at once: a suspended agent is denied", async () => {
    await pdp.database.query("UPDATE agents SET status = 'suspended' WHERE id = 'web-fetcher'");
    const elapsed = await waitFor(
      async () =>
        (await client.authorize(stories.subAgentReadsMarketData)).json.reasons?.[0]?.code === "principal_revoked",
      1_000,
    );
    expect(elapsed).toBeLessThan(1_000);
    expect(pdp.engine.status().ready).toBe(true);
    await pdp.database.query("UPDATE agents SET status = 'active' WHERE id = 'web-fetcher'");
  });
});
