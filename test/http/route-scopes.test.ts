// Every route of every app's OpenAPI document refuses a caller without a key (401) and a key
// without the route's scope (403). The PDP's scope is read from the document itself, which routes
// declare where they are defined (`...auth("scope")` in createRoute), so a new route cannot
// forget it: a route that declares no security and is not on the public list fails here. The
// admin API has one scope for all of /api/v1 (admin, on a key bound to an active user).
// The MCP gateway has no keyed routes: it takes run tokens (test/gateway), not API keys.
import { createApiKey } from "@pea/policy-store";
import { type ApiKeyScope, apiKeyScopes } from "@pea/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client as adminClient, startTestAdmin, type TestAdmin } from "../admin/support.js";
import { type PdpClient, pdpClient } from "../support/http.js";
import type { TestPdp } from "../support/store.js";

type Operation = { security?: Array<Record<string, string[]>> };
type Document = { paths: Record<string, Record<string, Operation>> };

/** Routes anyone may call: liveness, readiness, public keys, discovery. */
const publicPaths = new Set(["/healthz", "/readyz", "/.well-known/jwks.json", "/.well-known/authzen-configuration"]);

let admin: TestAdmin;
let pdp: TestPdp;
let client: PdpClient;
const keysByScope = new Map<ApiKeyScope, string>();
/** Keys bound to an active admin user: one without the admin scope, one with it. */
const userKeys = { lacking: "", admin: "" };

beforeAll(async () => {
  admin = await startTestAdmin();
  pdp = admin.pdp;
  client = pdpClient(pdp);
  for (const [name, scopes] of [
    ["lacking", ["authorize", "audit", "runs"]],
    ["admin", ["admin"]],
  ] as const) {
    const made = await createApiKey(pdp.database, {
      kind: "user",
      userId: "pat",
      name: `pat-${name}`,
      scopes: [...scopes],
    });
    userKeys[name] = made.key;
  }
  for (const scope of apiKeyScopes) {
    if (scope === "admin") continue;
    keysByScope.set(
      scope,
      (await createApiKey(pdp.database, { kind: "admin", name: `only-${scope}`, scopes: [scope] })).key,
    );
  }
  // Keys are read through the engine's key cache: wait until the last one is known.
  const last = [...keysByScope.values()].at(-1) as string;
  for (let i = 0; i < 200 && !pdp.engine.keys.verify(last); i++) await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => admin?.close());

function operations(doc: Document) {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
}

describe("the PDP's routes each declare and enforce a scope", () => {
  it("declares a scope on every non-public route", async () => {
    const doc = (await client.call("GET", "/openapi.json")).json as unknown as Document;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(20);
    for (const { path, method, op } of ops) {
      const scopes = op.security?.flatMap((s) => Object.values(s).flat()) ?? [];
      if (publicPaths.has(path)) expect(scopes, `${method} ${path} is public`).toEqual([]);
      else expect(scopes, `${method} ${path} declares one scope`).toHaveLength(1);
    }
  });

  it("answers 401 without a key and 403 with a key lacking the scope, on every route", async () => {
    const doc = (await client.call("GET", "/openapi.json")).json as unknown as Document;
    for (const { path, method, op } of operations(doc)) {
      const scope = op.security?.flatMap((s) => Object.values(s).flat())[0] as ApiKeyScope | undefined;
      if (!scope) continue;
      const url = path.replaceAll(/\{[^}]+\}/g, "x");
      const body = method === "GET" ? undefined : {};
      const anonymous = await client.call(method, url, body, { authorization: "" });
      expect(anonymous.status, `${method} ${path} without a key`).toBe(401);
      expect(anonymous.json.error?.code).toBe("unauthorized");
      const wrongScope = [...keysByScope].find(([s]) => s !== scope)?.[1] as string;
      const refused = await client.call(method, url, body, { authorization: `Bearer ${wrongScope}` });
      expect(refused.status, `${method} ${path} with a key lacking ${scope}`).toBe(403);
      expect(refused.json.error?.code).toBe("forbidden");
      const own = keysByScope.get(scope);
      if (own) {
        // Past the scope check: the route may still refuse (a role, a missing id), but not for the scope.
        const allowed = await client.call(method, url, body, { authorization: `Bearer ${own}` });
        expect(allowed.status, `${method} ${path} with the ${scope} scope`).not.toBe(401);
        expect(allowed.json.error?.message ?? "").not.toMatch(/lacks the \w+ scope/);
      }
    }
  });
});

/** Signing in, and the API's own liveness and documents. */
const adminPublic = new Set(["POST /api/v1/session"]);

describe("the admin API's routes each enforce the admin scope", () => {
  it("answers 401 without a key and 403 with a user's key lacking the admin scope, on every route", async () => {
    const anonymous = adminClient(admin.app, {});
    const doc = (await anonymous.get("/openapi.json")).json as unknown as Document;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    const lacking = adminClient(admin.app, { authorization: `Bearer ${userKeys.lacking}` });
    const allowed = adminClient(admin.app, { authorization: `Bearer ${userKeys.admin}` });
    for (const { path, method } of ops) {
      if (adminPublic.has(`${method} ${path}`) || !path.startsWith("/api/v1/")) continue;
      const url = path.replaceAll(/\{[^}]+\}/g, "x");
      const body = method === "GET" || method === "DELETE" ? undefined : {};
      const refusedAnonymous = await anonymous.call(method, url, body);
      expect(refusedAnonymous.status, `${method} ${path} without a key`).toBe(401);
      expect(refusedAnonymous.json.error?.code).toBe("unauthorized");
      const refused = await lacking.call(method, url, body);
      expect(refused.status, `${method} ${path} with a key lacking admin`).toBe(403);
      expect(refused.json.error?.message).toMatch(/lacks the admin scope/);
      // Past the scope check: the route may still refuse (a policy, a missing id), but not for the key.
      const passed = await allowed.call(method, url, body);
      expect(passed.status, `${method} ${path} with the admin scope`).not.toBe(401);
      expect(passed.json.error?.message ?? "").not.toMatch(/lacks the admin scope/);
    }
  });
});
