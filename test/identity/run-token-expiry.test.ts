// A run token's signature is verified once per signing-key ring and remembered; its expiry is not:
// the same token presented again after it expired is refused, however often it was accepted before.
import { afterAll, beforeAll, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
let clock = new Date("2026-11-27T09:00:00Z");
beforeAll(async () => {
  pdp = await startTestPdp({ now: () => clock });
});
afterAll(async () => pdp?.close());

it("a remembered run token is refused once it expires, and a forged copy of it is never remembered", async () => {
  const client = pdpClient(pdp);
  const alice = { authorization: `Bearer ${pdp.keys.get("alice")}` };
  const { principal, chain, intent } = stories.readResearch;
  const started = await client.call("POST", "/v1/runs", { principal, chain, intent }, alice);
  expect(started.status).toBe(201);
  const { token, expiresAt } = started.json as unknown as { token: string; expiresAt: string };
  const gateway = { authorization: `Bearer ${pdp.keys.get("gateway")}` };
  const ask = (presented: string) =>
    client.call("POST", "/v1/authorize", { ...stories.readResearch, delegation: { token: presented } }, gateway);

  for (let i = 0; i < 3; i++) expect((await ask(token)).json.decision).toBe("allow");
  // The same claims with another signature: not the remembered token, so checked, and refused.
  const [header, payload] = token.split(".");
  const forged = `${header}.${payload}.${Buffer.alloc(64, 7).toString("base64url")}`;
  expect((await ask(forged)).json.reasons?.[0]?.code).toBe("unverified_delegation");

  clock = new Date(new Date(expiresAt).getTime() + 1000);
  const late = await ask(token);
  expect(late.json.decision).toBe("deny");
  expect(late.json.reasons?.[0]).toMatchObject({
    code: "unverified_delegation",
    message: expect.stringMatching(/expired/),
  });
});
