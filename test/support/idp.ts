// The firm's identity provider as tests need it: its own key pair, its key set served on a loopback
// port, and tokens it signs (OAuth 2.0 token exchange shape: sub the human, act.sub the agent).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export interface TestIdp {
  /** Its issuer URL (also where its key set is served, at /jwks). */
  url: string;
  /** How PEA is told to trust it (PEA_TRUSTED_ISSUERS, or startTestPdp's trust option). */
  trusted: { issuer: string; jwksUri: string };
  /** A token signed by this provider; `issuer` claims another issuer with the same key. */
  sign(claims: Record<string, unknown>, options?: { issuer?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIdp(): Promise<TestIdp> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "idp-1", alg: "ES256" };
  const server = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    trusted: { issuer: url, jwksUri: `${url}/jwks` },
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
        .setIssuer(options.issuer ?? url)
        .setIssuedAt()
        .setExpirationTime(typeof claims.exp === "number" ? claims.exp : "5m")
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
