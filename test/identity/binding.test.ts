// Nobody speaks for someone they cannot prove: each refusal of issue 13, tried as an attacker would,
// on both stores. Every request here is made with the key the story gives, never the harness's pick.
import { createApiKey, RUN_TOKEN_TYPE } from "@pea/policy-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { initiatePayment, stories } from "../support/requests.js";
import { startTestPdp, type TestPdp, waitFor } from "../support/store.js";
import { tamperedSignature } from "../support/tamper.js";

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
let idp: TestIdp;
let signIdp: TestIdp["sign"];
let key: (holder: string) => string;

beforeAll(async () => {
  idp = await startTestIdp();
  signIdp = idp.sign;
  pdp = await startTestPdp({ trust: { trustedIssuers: [idp.trusted] } });
  client = pdpClient(pdp);
  key = (holder) => {
    const found = pdp.keys.get(holder);
    if (!found) throw new Error(`no demo key for ${holder}`);
    return found;
  };
});

afterAll(async () => {
  await pdp?.close();
  await idp?.close();
});

const as = (holder: string) => ({ authorization: `Bearer ${key(holder)}` });
const ask = (holder: string, request: unknown) => client.call("POST", "/v1/authorize", request, as(holder));
const startRun = (holder: string, body: unknown) => client.call("POST", "/v1/runs", body, as(holder));
const aliceRun = { ...stories.readResearch, run: undefined, action: undefined, resource: undefined };
const runBody = { principal: aliceRun.principal, chain: aliceRun.chain, intent: aliceRun.intent };
const firstCode = (json: { reasons?: Array<{ code: string }> }) => json.reasons?.[0]?.code;

describe("a key speaks only for whom it is bound to", () => {
  it("an agent's key claiming another agent: unverified_principal, recorded with the key", async () => {
    const payment = initiatePayment("p-erin-1", 900, "Erin Ltd");
    const { status, json } = await ask("research-assistant", payment);
    expect(status).toBe(200);
    expect(json.decision).toBe("deny");
    expect(firstCode(json)).toBe("unverified_principal");
    const [row] = await pdp.database.query<{ record: { apiKeyId: string; reasons: Array<{ code: string }> } }>(
      "SELECT record FROM audit_log WHERE record->>'decisionId' = $1",
      [json.decisionId],
    );
    expect(row?.record.reasons[0]?.code).toBe("unverified_principal");
    expect(row?.record.apiKeyId).toBe(key("research-assistant").slice(4, key("research-assistant").indexOf(".")));
  });

  it("erin's key claiming dave or alice: unverified_principal, 100 at once, none allowed", async () => {
    const claims = [
      { ...stories.exportClientsDirectly },
      {
        principal: { type: "User", id: "dave" },
        action: "dataset:read",
        resource: { type: "Dataset", id: "research-repo" },
      },
    ];
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => ask("erin", claims[i % 2])));
    expect(answers.every((a) => a.status === 200 && a.json.decision === "deny")).toBe(true);
    expect(new Set(answers.map((a) => firstCode(a.json)))).toEqual(new Set(["unverified_principal"]));
  });

  it("the bootstrap (admin) key speaks for nobody", async () => {
    const { json } = await client.call("POST", "/v1/authorize", stories.readResearch, {
      authorization: `Bearer ${pdp.key}`,
    });
    expect(firstCode(json)).toBe("unverified_principal");
  });

  it("a batch: each request is checked, the one outside the binding alone is refused", async () => {
    const { json } = await client.call(
      "POST",
      "/v1/authorize/batch",
      { requests: [stories.readResearch, { ...stories.readResearch, chain: [{ type: "User", id: "bob" }] }] },
      as("alice"),
    );
    const responses = (json as unknown as { responses: Array<{ decision: string; reasons: Array<{ code: string }> }> })
      .responses;
    expect(responses[0]?.decision).toBe("allow");
    expect(responses[1]?.reasons[0]?.code).toBe("unverified_principal");
  });

  it("AuthZEN evaluation follows the same rules", async () => {
    const evaluate = (holder: string, subject: string) =>
      client.call(
        "POST",
        "/access/v1/evaluation",
        {
          subject: { type: "Agent", id: subject },
          action: { name: "dataset:read" },
          resource: { type: "Dataset", id: "research-repo" },
          context: { chain: [{ type: "User", id: "alice" }], intent: "market-research-report" },
        },
        as(holder),
      );
    expect((await evaluate("alice", "research-assistant")).json).toMatchObject({ decision: true });
    expect((await evaluate("research-assistant", "research-assistant")).json).toMatchObject({ decision: false });
    expect((await evaluate("gateway", "research-assistant")).json).toMatchObject({ decision: false });
  });
});

describe("delegation is evidenced, not asserted", () => {
  it("an agent's key claiming alice with no run: unverified_delegation; with the run alice started: allow", async () => {
    const bare = await ask("research-assistant", stories.readResearch);
    expect(firstCode(bare.json)).toBe("unverified_delegation");
    expect(bare.json.reasons?.[0]?.link).toBe("User::alice");

    const started = await startRun("alice", runBody);
    expect(started.status).toBe(201);
    const run = started.json as unknown as { id: string; token: string; startedBy: string };
    expect(run.startedBy).toBe("alice");
    expect(run.token.split(".")).toHaveLength(3);
    const inRun = await ask("research-assistant", { ...stories.readResearch, run: run.id });
    expect(inRun.json.decision).toBe("allow");
    // The gateway presents the token instead: same allow, in the same run.
    const viaToken = await ask("gateway", { ...stories.readResearch, delegation: { token: run.token } });
    expect(viaToken.json.decision).toBe("allow");
    const [logged] = await pdp.database.query<{ run_id: string; record: { request: { delegation: string } } }>(
      "SELECT run_id, record FROM audit_log WHERE record->>'decisionId' = $1",
      [viaToken.json.decisionId],
    );
    expect(logged?.run_id).toBe(run.id);
    // The token is a bearer credential: the log keeps only its hash.
    expect(logged?.record.request.delegation).toMatch(/^sha256:/);
    expect(JSON.stringify(logged)).not.toContain(run.token);
  });

  it("a run alice did not start is no evidence: an admin-started or bob-started run is refused", async () => {
    expect((await startRun("bob", runBody)).status).toBe(403);
    expect((await client.call("POST", "/v1/runs", runBody, { authorization: `Bearer ${pdp.key}` })).status).toBe(403);
    expect((await startRun("research-assistant", runBody)).status).toBe(403);
    const forBob = await startRun("alice", { ...runBody, chain: [{ type: "User", id: "bob" }] });
    expect(forBob.status).toBe(403);
    expect(forBob.json.error?.code).toBe("forbidden");
  });

  it("forged, expired, wrong-audience and wrong-run tokens: unverified_delegation", async () => {
    const first = (await startRun("alice", runBody)).json as unknown as { id: string; token: string };
    const second = (await startRun("alice", runBody)).json as unknown as { id: string; token: string };
    const [header, payload, signature] = first.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const reencode = (changes: Record<string, unknown>) =>
      `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString("base64url")}.${signature}`;
    const flipped = tamperedSignature(signature);
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ["forged signature", `${header}.${payload}.${flipped}`, {}],
      ["claims edited to another human", reencode({ sub: "bob" }), {}],
      ["another audience", reencode({ aud: "elsewhere" }), {}],
      ["expired", reencode({ exp: Math.floor(Date.now() / 1000) - 10 }), {}],
      ["another run", first.token, { run: second.id }],
      [
        "an unsigned token",
        `${Buffer.from(JSON.stringify({ alg: "none", typ: RUN_TOKEN_TYPE })).toString("base64url")}.${payload}.x`,
        {},
      ],
    ];
    for (const [name, token, extra] of cases) {
      const { json } = await ask("gateway", { ...stories.readResearch, ...extra, delegation: { token } });
      expect(json.decision, name).toBe("deny");
      expect(firstCode(json), name).toBe("unverified_delegation");
    }
    // A run token never widens the key: research-assistant's token does not let the gateway claim payments-agent.
    const { json } = await ask("gateway", {
      ...stories.readResearch,
      principal: { type: "Agent", id: "payments-agent" },
      delegation: { token: first.token },
    });
    expect(json.decision).toBe("deny");
  });

  it("an identity provider's token: trusted issuer allows; untrusted, wrong audience or expired are refused", async () => {
    const exchange = { sub: "alice", act: { sub: "research-assistant" }, aud: "pea" };
    const good = await signIdp(exchange);
    expect((await ask("gateway", { ...stories.readResearch, delegation: { token: good } })).json.decision).toBe(
      "allow",
    );
    const refused = [
      await signIdp(exchange, { issuer: "https://idp.elsewhere.example" }),
      await signIdp({ ...exchange, aud: "someone-else" }),
      await signIdp({ ...exchange, exp: Math.floor(Date.now() / 1000) - 60 }),
      await signIdp({ ...exchange, sub: "bob" }),
    ];
    for (const token of refused) {
      const { json } = await ask("gateway", { ...stories.readResearch, delegation: { token } });
      expect(json.decision).toBe("deny");
      expect(["unverified_delegation", "unverified_principal"]).toContain(firstCode(json));
    }
    // The IdP token also lets a non-human key start a run for its human (their OIDC identity).
    const started = await startRun("research-assistant", { ...runBody, delegation: { token: good } });
    expect(started.status).toBe(201);
  });

  it("a sub-agent admitted to the run acts in it, in the same lineage; one not admitted cannot", async () => {
    const run = (await startRun("alice", runBody)).json as unknown as { id: string };
    const sub = { ...stories.subAgentReadsMarketData, run: run.id };
    const before = await ask("web-fetcher", sub);
    expect(before.json.decision).toBe("deny");
    const admitted = await client.call("POST", `/v1/runs/${run.id}/sub-agents`, { agent: "web-fetcher" }, as("alice"));
    expect(admitted.status).toBe(200);
    expect((admitted.json as unknown as { subAgents: string[] }).subAgents).toEqual(["web-fetcher"]);
    const after = await ask("web-fetcher", sub);
    expect(after.json.decision).toBe("allow");
    // Another agent's key cannot admit anyone, nor fetch the run's token.
    expect(
      (await client.call("POST", `/v1/runs/${run.id}/sub-agents`, { agent: "web-fetcher" }, as("deal-assistant")))
        .status,
    ).toBe(403);
    expect((await client.call("GET", `/v1/runs/${run.id}/token`, undefined, as("deal-assistant"))).status).toBe(403);
    expect((await client.call("GET", `/v1/runs/${run.id}/token`, undefined, as("research-assistant"))).status).toBe(
      200,
    );
    const lineage = await pdp.database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM audit_log WHERE run_id = $1 AND decision = 'allow'",
      [run.id],
    );
    expect(Number(lineage[0]?.n)).toBe(1);
  });

  it("a key bound to a group of agents speaks for its members only", async () => {
    await pdp.database.query("INSERT INTO groups (id) VALUES ('fetchers')");
    await pdp.database.query(
      "INSERT INTO memberships (member_type, member_id, parent_type, parent_id) VALUES ('Agent', 'web-fetcher', 'Group', 'fetchers')",
    );
    await waitFor(() => {
      const inputs = pdp.engine.inputs();
      const agent = "decision" in inputs ? undefined : inputs.snapshot.get("Agent", "web-fetcher");
      return agent?.parents.some((p) => (p as { id: string }).id === "fetchers") === true;
    });
    const { key: groupKey } = await createApiKey(pdp.database, {
      kind: "service",
      name: "fetcher-runtime",
      agentGroups: ["fetchers"],
      scopes: ["authorize", "runs"],
    });
    const run = (await startRun("alice", runBody)).json as unknown as { id: string };
    await client.call("POST", `/v1/runs/${run.id}/sub-agents`, { agent: "web-fetcher" }, as("alice"));
    const asGroup = (request: unknown) =>
      client.call("POST", "/v1/authorize", request, { authorization: `Bearer ${groupKey}` });
    await waitFor(async () => (await asGroup(stories.readResearch)).status === 200);
    expect((await asGroup({ ...stories.subAgentReadsMarketData, run: run.id })).json.decision).toBe("allow");
    expect(firstCode((await asGroup({ ...stories.readResearch, run: run.id })).json)).toBe("unverified_principal");
  });
});
