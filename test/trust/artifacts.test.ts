// Authorization artifacts: every allow carries a signed, single-use, request-bound JWT.
import { createVerifier, requestDigest } from "@pea/verifier";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PdpClient, pdpClient, startPdpWithClient } from "../support/http.js";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { tamperedSignature } from "../support/tamper.js";

let pdp: TestPdp;
let client: PdpClient;

beforeAll(async () => {
  ({ pdp, client } = await startPdpWithClient());
});
afterAll(async () => pdp.close());

const redeem = (artifact: string, digest?: string) =>
  client.call(
    "POST",
    "/v1/artifacts/redeem",
    digest === undefined ? { artifact } : { artifact, requestDigest: digest },
  );

const allow = async (request: Record<string, unknown> = stories.readResearch) => {
  const { json } = await client.authorize(request);
  expect(json.decision).toBe("allow");
  return json.artifact as string;
};

describe("issuing", () => {
  it("signs every allow with EdDSA, bound to the request, and nothing on a deny", async () => {
    const { json } = await client.authorize({ ...stories.readResearch, evidence: { score: 0.9 } });
    const token = json.artifact as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", typ: "pea-artifact+jwt" });
    expect(decodeProtectedHeader(token).kid).toMatch(/^k_/);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: "pea",
      sub: "Agent::research-assistant",
      jti: json.decisionId,
      principal: { type: "Agent", id: "research-assistant" },
      chain: [{ type: "User", id: "alice" }],
      intent: "market-research-report",
      run: null,
      action: "dataset:read",
      resource: { type: "Dataset", id: "research-repo" },
      policyVersion: json.policyVersion,
      entitlementVersion: json.entitlementVersion,
      decisionId: json.decisionId,
    });
    // evidence never changes what the artifact is bound to
    expect(claims.requestDigest).toBe(requestDigest(stories.readResearch));
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(JSON.stringify(claims)).not.toContain("score");

    const denied = await client.authorize(stories.readDealDb);
    expect(denied.json.decision).toBe("deny");
    expect(denied.json.artifact).toBeUndefined();
  });

  it("publishes public keys only", async () => {
    const { status, json } = await client.call("GET", "/.well-known/jwks.json", undefined, { authorization: "" });
    expect(status).toBe(200);
    const keys = json.keys as Array<Record<string, unknown>>;
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(key.d).toBeUndefined();
    }
  });

  it("records the artifact id in the decision log", async () => {
    const { json } = await client.authorize(stories.readResearch);
    const [row] = await pdp.database.query<{ record: { artifactId?: string } }>(
      "SELECT record FROM audit_log WHERE kind = 'decision' AND record->>'decisionId' = $1",
      [json.decisionId],
    );
    expect(row?.record.artifactId).toBe(json.decisionId);
    expect(JSON.stringify(row?.record)).not.toContain(json.artifact as string);
  });
});

describe("redeeming", () => {
  it("accepts an artifact once, then refuses the replay (409)", async () => {
    const token = await allow();
    const first = await redeem(token, requestDigest(stories.readResearch));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ redeemed: true, claims: { action: "dataset:read" } });
    const second = await redeem(token);
    expect(second.status).toBe(409);
    expect(second.json.error?.code).toBe("conflict");
  });

  it("records the redemption in the audit log (lineage)", async () => {
    const token = await allow();
    expect((await redeem(token)).status).toBe(200);
    const jti = decodeJwt(token).jti;
    const rows = await pdp.database.query<{ record: { actor: string; action: string } }>(
      "SELECT record FROM audit_log WHERE kind = 'change' AND ref = $1",
      [`Artifact::${jti}`],
    );
    expect(rows[0]?.record.action).toBe("artifact.redeem");
  });

  it("refuses a wrong request digest (401) and leaves the artifact unspent", async () => {
    const token = await allow();
    const wrong = await redeem(token, requestDigest({ ...stories.readResearch, action: "dataset:write" }));
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.code).toBe("invalid_artifact");
    expect((await redeem(token)).status).toBe(200);
  });

  it("refuses tampered artifacts (401)", async () => {
    const token = await allow();
    const [h, p, s] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, action: "dataset:export" })).toString("base64url");
    expect((await redeem(`${h}.${forged}.${s}`)).status).toBe(401);
    const flipped = tamperedSignature(s);
    expect((await redeem(`${h}.${p}.${flipped}`)).status).toBe(401);
    expect((await redeem("not-a-jwt")).status).toBe(401);
    // alg none and a key PEA does not publish
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "pea-artifact+jwt" })).toString("base64url")}.${p}.`;
    expect((await redeem(none)).status).toBe(401);
    const { privateKey } = await generateKeyPair("Ed25519");
    const kid = decodeProtectedHeader(token).kid as string;
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "pea-artifact+jwt", kid })
      .sign(privateKey);
    expect((await redeem(foreign)).status).toBe(401);
    // the genuine one is still good
    expect((await redeem(token)).status).toBe(200);
  });

  it("refuses an expired artifact (410)", async () => {
    const short = await startTestPdp({ trust: { artifactTtlSeconds: 1 } });
    try {
      const c = pdpClient(short);
      const { json } = await c.authorize(stories.readResearch);
      const token = json.artifact as string;
      expect((decodeJwt(token).exp as number) - (decodeJwt(token).iat as number)).toBe(1);
      await new Promise((r) => setTimeout(r, 2_100));
      const late = await c.call("POST", "/v1/artifacts/redeem", { artifact: token });
      expect(late.status).toBe(410);
      expect(late.json.error?.code).toBe("gone");
    } finally {
      await short.close();
    }
  });

  it("needs an API key", async () => {
    const token = await allow();
    const { status } = await client.call("POST", "/v1/artifacts/redeem", { artifact: token }, { authorization: "" });
    expect(status).toBe(401);
  });
});

describe("signing keys", () => {
  it("rotate with overlap: old artifacts still verify, new ones use the new key", async () => {
    const { rotateSigningKey } = await import("@pea/policy-store");
    const before = await allow();
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await rotateSigningKey(pdp.database, { overlapSeconds: 120 });
    await pdp.engine.settled();
    await new Promise((r) => setTimeout(r, 300));
    await pdp.engine.settled();
    const after = await allow();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const { json } = await client.call("GET", "/.well-known/jwks.json");
    const kids = (json.keys as Array<{ kid: string }>).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await redeem(before)).status).toBe(200);
    expect((await redeem(after)).status).toBe(200);
  });

  it("keeps private keys encrypted at rest when a passphrase is set", async () => {
    const { openPrivateKey, sealPrivateKey } = await import("@pea/policy-store");
    const { privateKey } = await generateKeyPair("Ed25519", { extractable: true });
    const jwk = await exportJWK(privateKey);
    const sealed = sealPrivateKey(jwk, "correct horse battery");
    expect(sealed).toMatch(/^enc:v1:/);
    expect(sealed).not.toContain(jwk.d as string);
    expect(openPrivateKey(sealed, "correct horse battery")).toEqual(jwk);
    expect(() => openPrivateKey(sealed, "wrong passphrase!")).toThrow(/cannot be decrypted/);
    expect(() => openPrivateKey(sealed, undefined)).toThrow(/PEA_SIGNING_KEY_PASSPHRASE/);
  });
});

describe("the verifier a tool embeds", () => {
  it("verifies offline against the JWKS, checks the digest, then redeems once online", async () => {
    const fetchThroughApp = ((input: string | URL | Request, init?: RequestInit) =>
      client.app.request(String(input).replace("http://pdp.test", ""), init)) as typeof fetch;
    const verifier = createVerifier({ pdpUrl: "http://pdp.test", apiKey: pdp.key, fetch: fetchThroughApp });
    const token = await allow();
    const claims = await verifier.verify(token, { request: stories.readResearch });
    expect(claims.action).toBe("dataset:read");
    await expect(
      verifier.verify(token, { request: { ...stories.readResearch, action: "dataset:write" } }),
    ).rejects.toMatchObject({
      code: "digest_mismatch",
    });
    expect((await verifier.check(token, stories.readResearch)).jti).toBe(claims.jti);
    await expect(verifier.check(token, stories.readResearch)).rejects.toMatchObject({ code: "replayed" });
  });
});
