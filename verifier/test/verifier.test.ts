// @pea/verifier on its own: no PDP, a key pair made here, fetch answered by a stub.
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ARTIFACT_ISSUER,
  ARTIFACT_TYPE,
  type ArtifactClaims,
  ArtifactError,
  canonicalJson,
  createVerifier,
  requestDigest,
} from "../src/index.js";

const request = {
  principal: { type: "Agent", id: "payments-agent" },
  chain: [{ type: "User", id: "dave" }],
  intent: "vendor-payment",
  action: "payment:initiate",
  resource: { type: "Payment", id: "p-1", attributes: { amount: 500, currency: "EUR", payee: "Acme" } },
  context: { amount: 500, purpose: "invoice" },
};

let privateKey: CryptoKey;
let jwks: { keys: Array<Record<string, unknown>> };

beforeAll(async () => {
  const pair = await generateKeyPair("Ed25519");
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "EdDSA", use: "sig" }] };
});

async function artifact(overrides: Partial<ArtifactClaims> = {}, header: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  const claims: ArtifactClaims = {
    iss: ARTIFACT_ISSUER,
    sub: "Agent::payments-agent",
    jti: "dec_1",
    iat,
    exp: iat + 60,
    principal: request.principal,
    chain: request.chain,
    intent: request.intent,
    run: null,
    action: request.action,
    resource: { type: "Payment", id: "p-1" },
    requestDigest: requestDigest(request),
    policyVersion: "v1",
    entitlementVersion: 1,
    decisionId: "dec_1",
    ...overrides,
  };
  return new SignJWT(claims as unknown as JWTPayload)
    .setProtectedHeader({ alg: "EdDSA", typ: ARTIFACT_TYPE, kid: "k1", ...header })
    .sign(privateKey);
}

describe("canonical JSON and the request digest", () => {
  it("does not depend on key order, and fills the defaults", () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: null }] })).toBe('{"a":[2,{"c":null,"d":3}],"b":1}');
    const reordered = {
      context: { purpose: "invoice", amount: 500 },
      resource: { attributes: { payee: "Acme", currency: "EUR", amount: 500 }, id: "p-1", type: "Payment" },
      action: "payment:initiate",
      intent: "vendor-payment",
      chain: [{ id: "dave", type: "User" }],
      principal: { id: "payments-agent", type: "Agent" },
    };
    expect(requestDigest(reordered)).toBe(requestDigest(request));
    expect(requestDigest(request)).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    const bare = { principal: { type: "User", id: "alice" }, action: "a", resource: { type: "T", id: "x" } };
    expect(requestDigest(bare)).toBe(requestDigest({ ...bare, chain: [], context: {} }));
  });

  it("changes with any bound part", () => {
    const base = requestDigest(request);
    expect(requestDigest({ ...request, context: { amount: 501, purpose: "invoice" } })).not.toBe(base);
    expect(
      requestDigest({
        ...request,
        resource: { ...request.resource, attributes: { amount: 5000, currency: "EUR", payee: "Acme" } },
      }),
    ).not.toBe(base);
    expect(requestDigest({ ...request, chain: [] })).not.toBe(base);
    expect(requestDigest({ ...request, intent: undefined })).not.toBe(base);
  });
});

describe("offline verification", () => {
  it("accepts a genuine artifact for the request and returns its claims", async () => {
    const verifier = createVerifier({ jwks });
    const claims = await verifier.verify(await artifact(), { request });
    expect(claims).toMatchObject({ action: "payment:initiate", decisionId: "dec_1" });
  });

  it("refuses another request, a tampered token, a foreign key, a wrong type and an expired one", async () => {
    const verifier = createVerifier({ jwks });
    const token = await artifact();
    await expect(verifier.verify(token, { request: { ...request, context: { amount: 9_000 } } })).rejects.toMatchObject(
      {
        code: "digest_mismatch",
      },
    );
    const [h, p, s] = token.split(".") as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), action: "payment:release" }),
    ).toString("base64url");
    await expect(verifier.verify(`${h}.${forged}.${s}`)).rejects.toMatchObject({ code: "invalid" });
    const other = await generateKeyPair("Ed25519");
    const foreign = await new SignJWT({ iss: ARTIFACT_ISSUER, sub: "x", jti: "j", requestDigest: "d", action: "a" })
      .setProtectedHeader({ alg: "EdDSA", typ: ARTIFACT_TYPE, kid: "k1" })
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(other.privateKey);
    await expect(verifier.verify(foreign)).rejects.toMatchObject({ code: "invalid" });
    await expect(verifier.verify(await artifact({}, { typ: "JWT" }))).rejects.toMatchObject({ code: "invalid" });
    const past = Math.floor(Date.now() / 1000) - 600;
    await expect(verifier.verify(await artifact({ iat: past, exp: past + 60 }))).rejects.toMatchObject({
      code: "expired",
    });
    await expect(verifier.verify("garbage")).rejects.toBeInstanceOf(ArtifactError);
  });
});

describe("online redemption", () => {
  const stubbed = (status: number, body: unknown) => {
    const calls: Array<{ url: string; body: unknown; auth: string | null }> = [];
    const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({
        url: String(url),
        body: JSON.parse(String(init?.body)),
        auth: new Headers(init?.headers).get("authorization"),
      });
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    return {
      calls,
      verifier: createVerifier({ jwks, pdpUrl: "http://pdp.example/", apiKey: "pea_k.s", fetch: fetchStub }),
    };
  };

  it("verifies, then redeems with the digest, and returns the PDP's claims", async () => {
    const token = await artifact();
    const { calls, verifier } = stubbed(200, { redeemed: true, claims: { jti: "dec_1" } });
    expect((await verifier.check(token, request)).jti).toBe("dec_1");
    expect(calls[0]).toEqual({
      url: "http://pdp.example/v1/artifacts/redeem",
      body: { artifact: token, requestDigest: requestDigest(request) },
      auth: "Bearer pea_k.s",
    });
  });

  it.each([
    [409, "replayed"],
    [410, "revoked"],
    [401, "invalid"],
    [503, "unavailable"],
  ])("maps HTTP %i to %s, and never redeems a token that fails offline", async (status, code) => {
    const token = await artifact();
    const { calls, verifier } = stubbed(status, { error: { code: "x", message: "no" } });
    await expect(verifier.check(token, request)).rejects.toMatchObject({ code });
    await expect(verifier.check(token, { ...request, action: "payment:release" })).rejects.toMatchObject({
      code: "digest_mismatch",
    });
    expect(calls).toHaveLength(1);
  });

  it("treats an unreachable PDP as unavailable", async () => {
    const verifier = createVerifier({
      jwks,
      pdpUrl: "http://pdp.example",
      apiKey: "k",
      fetch: (async () => {
        throw new Error("ECONNREFUSED");
      }) as typeof fetch,
    });
    await expect(verifier.redeem(await artifact())).rejects.toMatchObject({ code: "unavailable" });
  });
});
