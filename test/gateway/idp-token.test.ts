// An agent whose bearer is a token from the firm's identity provider (token exchange: sub the human,
// act.sub the agent), not a PEA run token. The gateway reads who it names; PEA verifies it against
// the issuers it trusts, so a token PEA cannot verify gets nothing listed and nothing called.
import { createVerifier } from "@pea/verifier";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { connectAgent, gatewayRigForFile, refusalOf } from "./support.js";

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => idp?.close());
// Registered after the IdP's hooks: the PDP trusts the IdP started above.
const { rig, connect } = gatewayRigForFile(() => ({ trust: { trustedIssuers: [idp.trusted] } }));

const exchange = { sub: "alice", act: { sub: "research-assistant" }, aud: "pea", intent: "market-research-report" };
const readResearch = { name: "read_dataset", arguments: { id: "research-repo" } };

describe("an identity provider's token as the bearer", () => {
  it("from a trusted issuer: the task's tools are listed and called for its human", async () => {
    const agent = await connect(await idp.sign(exchange));
    const names = (await agent.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["read_dataset", "send_email", "write_draft"]);

    const read = await agent.callTool(readResearch);
    expect(read.isError).toBeFalsy();
    const claims = await createVerifier({ pdpUrl: rig().pdpUrl }).verify(rig().bank.calls.at(-1)?.artifact as string);
    expect(claims).toMatchObject({
      principal: { type: "Agent", id: "research-assistant" },
      chain: [{ type: "User", id: "alice" }],
      action: "dataset:read",
    });
  });

  it("signed by a key its issuer does not publish, or naming an issuer PEA does not trust: nothing listed or called", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(exchange)
      .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
      .setIssuer(idp.url)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    const untrusted = await idp.sign(exchange, { issuer: "https://idp.elsewhere.example" });
    const before = rig().bank.calls.length;
    for (const token of [forged, untrusted]) {
      const agent = await connect(token);
      expect((await agent.listTools()).tools).toEqual([]);
      const refused = await agent.callTool(readResearch);
      expect(refused.isError).toBe(true);
      expect(refusalOf(refused)).toMatchObject({ decision: "deny", code: "unverified_delegation" });
    }
    expect(rig().bank.calls.length).toBe(before);
  });

  it("names whose call it is: the same agent for bob is judged as bob (deal side of the barrier)", async () => {
    const agent = await connect(await idp.sign({ ...exchange, sub: "bob" }));
    const read = await agent.callTool(readResearch);
    expect(read.isError).toBe(true);
    expect(refusalOf(read)).toMatchObject({ decision: "deny", code: "barrier" });
  });

  it("expired, or for another audience: refused by the gateway before PEA is asked", async () => {
    const expired = await idp.sign({ ...exchange, exp: Math.floor(Date.now() / 1000) - 60 });
    const elsewhere = await idp.sign({ ...exchange, aud: "someone-else" });
    await expect(connectAgent(rig().gateway.url, expired)).rejects.toThrow(/invalid_token.*has expired/);
    await expect(connectAgent(rig().gateway.url, elsewhere)).rejects.toThrow(/invalid_token.*another audience/);
  });
});
