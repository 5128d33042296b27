// Tokens from the firm's identity provider, in the OAuth 2.0 token exchange shape (RFC 8693):
// `sub` is the human, `act.sub` the agent acting for them, `aud` PEA. Only issuers the operator
// lists (PEA_TRUSTED_ISSUERS) are believed, each through its own published keys.
import { createRemoteJWKSet, decodeJwt, errors, type JWTVerifyGetKey, jwtVerify } from "jose";

export interface TrustedIssuer {
  issuer: string;
  /** Where the issuer publishes its signing keys. */
  jwksUri: string;
}

export interface IdpDelegation {
  issuer: string;
  /** The human (a PEA user id). */
  human: string;
  /** The agent acting for them. */
  agent: string;
}

/** Verifies IdP tokens; the issuers' key sets are fetched on first use and cached (jose refetches on an unknown kid). */
export class IdpTokenVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(
    private readonly issuers: readonly TrustedIssuer[],
    private readonly audience: string,
  ) {}

  /** Whether the token names an issuer PEA trusts (read unverified, only to pick the keys). */
  isFromTrustedIssuer(token: string): boolean {
    return this.issuerOf(token) !== undefined;
  }

  private issuerOf(token: string): TrustedIssuer | undefined {
    try {
      const { iss } = decodeJwt(token);
      return this.issuers.find((i) => i.issuer === iss);
    } catch {
      return undefined;
    }
  }

  async verify(token: string, now: Date): Promise<IdpDelegation | { refused: string }> {
    const issuer = this.issuerOf(token);
    if (!issuer) return { refused: "the token is not from an issuer PEA trusts" };
    let keys = this.keySets.get(issuer.issuer);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(issuer.jwksUri), { timeoutDuration: 2000 });
      this.keySets.set(issuer.issuer, keys);
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: issuer.issuer,
        audience: this.audience,
        currentDate: now,
        requiredClaims: ["exp", "sub"],
      });
      const act = payload.act as { sub?: unknown } | undefined;
      if (typeof payload.sub !== "string" || typeof act?.sub !== "string") {
        return { refused: "the token names no human (sub) and agent (act.sub)" };
      }
      return { issuer: issuer.issuer, human: payload.sub, agent: act.sub };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { refused: "the identity provider's token has expired" };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") {
        return { refused: "the identity provider's token is for another audience" };
      }
      return { refused: "the identity provider's token could not be verified" };
    }
  }
}
