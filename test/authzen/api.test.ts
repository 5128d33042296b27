// The AuthZEN 1.0 API itself: the spec's error cases, X-Request-ID, metadata, evaluations defaults
// and semantics, search pagination, the decision log, fail-closed, and PEA's own fields in context.
import { describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { startTestPdp, waitFor } from "../support/store.js";
import { pdpForSuite, startPackPdp } from "./support.js";

const rick = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"; // admin, evil_genius
const beth = "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"; // viewer
const readTodos = {
  subject: { type: "user", id: rick },
  action: { name: "can_read_todos" },
  resource: { type: "todo", id: "todo-1" },
};

describe("AuthZEN API (todo pack)", () => {
  const { pdp, client } = pdpForSuite(() => startPackPdp("todo"));

  describe("errors are 400 as the spec says", () => {
    it("malformed JSON", async () => {
      const res = await client().call("POST", "/access/v1/evaluation", '{"subject": {');
      expect(res.status).toBe(400);
      expect(res.json.error?.code).toBe("invalid_request");
    });

    it("a content type other than application/json (400, not 415)", async () => {
      for (const path of ["/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/resource"]) {
        const res = await client().call("POST", path, JSON.stringify(readTodos), { "content-type": "text/plain" });
        expect(res.status, path).toBe(400);
        expect(res.json.error?.message).toMatch(/application\/json/);
      }
    });

    it("a missing field, named", async () => {
      const { action: _action, ...noAction } = readTodos;
      const res = await client().call("POST", "/access/v1/evaluation", noAction);
      expect(res.status).toBe(400);
      expect(res.json.error?.message).toMatch(/^action/);
      const noId = await client().call("POST", "/access/v1/evaluation", { ...readTodos, subject: { type: "user" } });
      expect(noId.status).toBe(400);
      expect(noId.json.error?.message).toMatch(/^subject\.id/);
    });

    it("a mistyped field, named", async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ ...readTodos, subject: { type: "user", id: 42 } }, /^subject\.id/],
        [{ ...readTodos, action: { name: ["x"] } }, /^action\.name/],
        [{ ...readTodos, resource: { type: "todo", id: "1", properties: "ownerID" } }, /^resource\.properties/],
        [{ ...readTodos, context: "now" }, /^context/],
        [{ ...readTodos, context: { chain: "alice" } }, /^context\.chain/],
        [[readTodos], /body|expected object/],
      ];
      for (const [body, field] of cases) {
        const res = await client().call("POST", "/access/v1/evaluation", body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error?.message).toMatch(field);
      }
    });

    it("evaluations: an item lacking a field that has no default; an unknown semantic", async () => {
      const res = await client().call("POST", "/access/v1/evaluations", {
        subject: readTodos.subject,
        evaluations: [{ action: readTodos.action, resource: readTodos.resource }, { action: readTodos.action }],
      });
      expect(res.status).toBe(400);
      expect(res.json.error?.message).toMatch(/^evaluations\[1\]\.resource/);
      const bad = await client().call("POST", "/access/v1/evaluations", {
        ...readTodos,
        evaluations: [{}],
        options: { evaluations_semantic: "first_wins" },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.error?.message).toMatch(/evaluations_semantic/);
    });

    it("search: a missing subject type, action or resource", async () => {
      expect((await client().call("POST", "/access/v1/search/subject", { ...readTodos, subject: {} })).status).toBe(
        400,
      );
      expect((await client().call("POST", "/access/v1/search/resource", { subject: readTodos.subject })).status).toBe(
        400,
      );
      expect((await client().call("POST", "/access/v1/search/action", { subject: readTodos.subject })).status).toBe(
        400,
      );
    });

    it("search: a page token from elsewhere, a negative limit", async () => {
      const search = { subject: readTodos.subject, action: { name: "can_read_todos" }, resource: { type: "todo" } };
      const forged = await client().call("POST", "/access/v1/search/resource", { ...search, page: { token: "abc" } });
      expect(forged.status).toBe(400);
      expect(forged.json.error?.message).toMatch(/page\.token/);
      const negative = await client().call("POST", "/access/v1/search/resource", { ...search, page: { limit: -1 } });
      expect(negative.status).toBe(400);
    });
  });

  it("401 without an API key or with a wrong one; the same keys as /v1", async () => {
    const none = await client().app.request("/access/v1/evaluation", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(readTodos),
    });
    expect(none.status).toBe(401);
    const wrong = await client().call("POST", "/access/v1/evaluation", readTodos, { authorization: "Bearer pea_x.y" });
    expect(wrong.status).toBe(401);
  });

  it("echoes X-Request-ID on answers and errors", async () => {
    const id = "bfe9eb29-ab87-4ca3-be83-a1d5d8305716 / trace=1";
    const ok = await client().call("POST", "/access/v1/evaluation", readTodos, { "x-request-id": id });
    expect(ok.headers.get("x-request-id")).toBe(id);
    const bad = await client().call("POST", "/access/v1/evaluation", "{", { "x-request-id": id });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-request-id")).toBe(id);
    expect(bad.json.error?.requestId).toBe(id);
  });

  it("answers exactly {decision}: an unknown subject is a deny (fail-closed), recorded in the decision log", async () => {
    const allow = await client().call("POST", "/access/v1/evaluation", readTodos);
    expect(allow.json).toStrictEqual({ decision: true });
    const stranger = await client().call("POST", "/access/v1/evaluation", {
      ...readTodos,
      subject: { type: "user", id: "mallory", properties: { roles: ["admin"] } },
    });
    expect(stranger.status).toBe(200);
    expect(stranger.json).toStrictEqual({ decision: false });
    const rows = await pdp().database.query<{ decision: string; reasons: unknown }>(
      "SELECT decision, reasons FROM decisions WHERE principal = $1",
      ["user::mallory"],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.decision).toBe("deny");
    expect(JSON.stringify(rows[0]?.reasons)).toContain("unknown_entity");
  });

  it("subjects' roles come from the store: subject properties cannot grant them", async () => {
    const res = await client().call("POST", "/access/v1/evaluation", {
      subject: { type: "user", id: beth, properties: { roles: ["evil_genius"], email: "rick@the-citadel.com" } },
      action: { name: "can_update_todo" },
      resource: { type: "todo", id: "t", properties: { ownerID: "rick@the-citadel.com" } },
    });
    expect(res.json).toStrictEqual({ decision: false });
  });

  it("resource properties are type-checked against the pack's schema (mistyped → deny)", async () => {
    const res = await client().call("POST", "/access/v1/evaluation", {
      subject: { type: "user", id: rick },
      action: { name: "can_update_todo" },
      resource: { type: "todo", id: "t", properties: { ownerID: 7 } },
    });
    expect(res.json).toStrictEqual({ decision: false });
  });

  describe("evaluations", () => {
    const item = (owner: string) => ({ resource: { type: "todo", id: owner, properties: { ownerID: owner } } });
    const morty = "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"; // editor
    const base = { subject: { type: "user", id: morty }, action: { name: "can_update_todo" } };
    const mine = item("morty@the-citadel.com");
    const theirs = item("rick@the-citadel.com");

    it("without an evaluations array behaves as one evaluation", async () => {
      const res = await client().call("POST", "/access/v1/evaluations", readTodos);
      expect(res.json).toStrictEqual({ decision: true });
    });

    it("inherits top-level defaults; an item's own value overrides them", async () => {
      const res = await client().call("POST", "/access/v1/evaluations", {
        ...base,
        evaluations: [
          mine,
          theirs,
          { ...theirs, subject: { type: "user", id: rick } },
          { action: { name: "can_read_todos" }, ...theirs },
        ],
      });
      expect(res.json).toStrictEqual({
        evaluations: [{ decision: true }, { decision: false }, { decision: true }, { decision: true }],
      });
    });

    it("execute_all answers all; deny_on_first_deny and permit_on_first_permit stop after the first", async () => {
      const evaluations = [mine, theirs, mine];
      const all = await client().call("POST", "/access/v1/evaluations", {
        ...base,
        evaluations,
        options: { evaluations_semantic: "execute_all" },
      });
      expect(all.json).toStrictEqual({ evaluations: [{ decision: true }, { decision: false }, { decision: true }] });
      const denyFirst = await client().call("POST", "/access/v1/evaluations", {
        ...base,
        evaluations,
        options: { evaluations_semantic: "deny_on_first_deny" },
      });
      expect(denyFirst.json).toStrictEqual({ evaluations: [{ decision: true }, { decision: false }] });
      const permitFirst = await client().call("POST", "/access/v1/evaluations", {
        ...base,
        evaluations: [theirs, mine, theirs],
        options: { evaluations_semantic: "permit_on_first_permit" },
      });
      expect(permitFirst.json).toStrictEqual({ evaluations: [{ decision: false }, { decision: true }] });
    });
  });

  it("the endpoints are in the generated OpenAPI document; decisions are counted in /metrics", async () => {
    const doc = await client().call("GET", "/openapi.json");
    const paths = Object.keys((doc.json as { paths?: Record<string, unknown> }).paths ?? {});
    for (const path of ["evaluation", "evaluations", "search/subject", "search/resource", "search/action"]) {
      expect(paths).toContain(`/access/v1/${path}`);
    }
    expect(paths).toContain("/.well-known/authzen-configuration");
    const metrics = await client().call("GET", "/metrics");
    expect(metrics.text).toMatch(/pea_decisions_total\{decision="allow",reason="none"\} [1-9]/);
  });

  it("GET /.well-known/authzen-configuration: public, every endpoint", async () => {
    const res = await client().app.request("http://pdp().example:8700/.well-known/authzen-configuration");
    expect(res.status).toBe(200);
    expect(await res.json()).toStrictEqual({
      policy_decision_point: "http://pdp().example:8700",
      access_evaluation_endpoint: "http://pdp().example:8700/access/v1/evaluation",
      access_evaluations_endpoint: "http://pdp().example:8700/access/v1/evaluations",
      search_subject_endpoint: "http://pdp().example:8700/access/v1/search/subject",
      search_resource_endpoint: "http://pdp().example:8700/access/v1/search/resource",
      search_action_endpoint: "http://pdp().example:8700/access/v1/search/action",
    });
  });
});

describe("AuthZEN search pagination (search pack)", () => {
  const { pdp, client } = pdpForSuite(() => startPackPdp("search"));
  const viewable = { subject: { type: "user", id: "alice" }, action: { name: "view" }, resource: { type: "record" } };

  it("pages through every result once, then an empty next_token", async () => {
    const whole = await client().call("POST", "/access/v1/search/resource", viewable);
    const all = (whole.json.results as Array<{ id: string }>).map((r) => r.id);
    expect(all).toHaveLength(20);
    expect(whole.json.page).toBeUndefined(); // fits one page and none was asked for: only { results }

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await client().call("POST", "/access/v1/search/resource", {
        ...viewable,
        page: { limit: 6, ...(token ? { token } : {}) },
      });
      expect(res.status).toBe(200);
      const results = res.json.results as Array<{ type: string; id: string }>;
      expect(results.length).toBeLessThanOrEqual(6);
      seen.push(...results.map((r) => r.id));
      token = (res.json.page as { next_token: string }).next_token;
      pages++;
    } while (token !== "" && pages < 10);
    expect(token).toBe("");
    expect(seen.sort()).toEqual([...all].sort());
  });

  it("a token is bound to its search", async () => {
    const first = await client().call("POST", "/access/v1/search/resource", { ...viewable, page: { limit: 2 } });
    const token = (first.json.page as { next_token: string }).next_token;
    expect(token).not.toBe("");
    const other = await client().call("POST", "/access/v1/search/resource", {
      ...viewable,
      action: { name: "delete" },
      page: { token },
    });
    expect(other.status).toBe(400);
  });

  it("a subject search and an action search page too", async () => {
    const subjects = await client().call("POST", "/access/v1/search/subject", {
      subject: { type: "user" },
      action: { name: "view" },
      resource: { type: "record", id: "101" },
      page: { limit: 3 },
    });
    expect(subjects.json.results).toHaveLength(3);
    expect((subjects.json.page as { next_token: string }).next_token).not.toBe("");
    const actions = await client().call("POST", "/access/v1/search/action", {
      subject: { type: "user", id: "alice" },
      resource: { type: "record", id: "101" },
      page: { limit: 10 },
    });
    expect(actions.json).toStrictEqual({
      results: [{ name: "delete" }, { name: "edit" }, { name: "view" }],
      page: { next_token: "" },
    });
  });

  it("an unknown type finds nothing; every evaluation is in the decision log", async () => {
    const before = await pdp().database.query<{ n: string | number }>("SELECT count(*) AS n FROM decisions");
    const none = await client().call("POST", "/access/v1/search/resource", { ...viewable, resource: { type: "nope" } });
    expect(none.json).toStrictEqual({ results: [] });
    const some = await client().call("POST", "/access/v1/search/resource", {
      ...viewable,
      action: { name: "delete" },
    });
    expect(some.json.results).toHaveLength(4);
    const after = await pdp().database.query<{ n: string | number }>("SELECT count(*) AS n FROM decisions");
    expect(Number(after[0]?.n) - Number(before[0]?.n)).toBe(20); // each stored record evaluated once
  });

  it("fail-closed: with the store gone, evaluations deny and searches find nothing", async () => {
    // A real outage (a cut alone lets Postgres clients reconnect at once, racing the assertions).
    const outage = await pdp().outage();
    await waitFor(() => !pdp().engine.status().store);
    const evaluation = await client().call("POST", "/access/v1/evaluation", {
      subject: { type: "user", id: "alice" },
      action: { name: "view" },
      resource: { type: "record", id: "101" },
    });
    expect(evaluation.status).toBe(200);
    expect(evaluation.json).toStrictEqual({ decision: false });
    const search = await client().call("POST", "/access/v1/search/resource", viewable);
    expect(search.status).toBe(200);
    expect(search.json).toStrictEqual({ results: [] });
    if (storeKind === "postgres") {
      await outage.end();
      await waitFor(() => pdp().engine.status().ready === true, 5_000);
    }
  });
});

describe("AuthZEN over the demo bank: PEA's chain and intent ride in context", () => {
  const { pdp, client } = pdpForSuite(() => startTestPdp());
  const agent = {
    subject: { type: "Agent", id: "research-assistant" },
    action: { name: "dataset:read" },
    context: { chain: [{ type: "User", id: "alice" }], intent: "market-research-report" },
  };

  it("the same policies decide: research allowed, the deal database walled off", async () => {
    const research = await client().call("POST", "/access/v1/evaluation", {
      ...agent,
      resource: { type: "Dataset", id: "research-repo" },
    });
    expect(research.json).toStrictEqual({ decision: true });
    const deals = await client().call("POST", "/access/v1/evaluation", {
      ...agent,
      resource: { type: "Dataset", id: "deal-db" },
    });
    expect(deals.json).toStrictEqual({ decision: false });
    const rows = await pdp().database.query<{ intent: string; reasons: unknown }>(
      "SELECT intent, reasons FROM decisions WHERE resource = $1",
      ["Dataset::deal-db"],
    );
    expect(rows[0]?.intent).toBe("market-research-report");
    expect(JSON.stringify(rows[0]?.reasons)).toContain("barrier");
  });

  it("without its chain and intent the agent is not the delegated task: denied", async () => {
    const bare = await client().call("POST", "/access/v1/evaluation", {
      subject: agent.subject,
      action: agent.action,
      resource: { type: "Dataset", id: "research-repo" },
    });
    expect(bare.json).toStrictEqual({ decision: false });
  });

  it("resource search over the bank's registered datasets", async () => {
    const res = await client().call("POST", "/access/v1/search/resource", { ...agent, resource: { type: "Dataset" } });
    const ids = (res.json.results as Array<{ id: string }>).map((r) => r.id).sort();
    expect(ids).toContain("research-repo");
    expect(ids).not.toContain("deal-db");
  });
});
