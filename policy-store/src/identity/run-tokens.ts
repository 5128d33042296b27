// Run tokens: what a human's run hands to the agent's enforcement point as proof of the delegation.
// An EdDSA JWT signed with PEA's own keys (the ones in /.well-known/jwks.json), bound to the run,
// the human who started it, the agent, the intent and an expiry no later than the run's own.
import { sign } from "node:crypto";
import { decodeProtectedHeader, errors, jwtVerify } from "jose";
import { randomHex } from "../decision/random-ids.js";
import type { TrustState } from "../trust/revocations.js";
import type { Run } from "../trust/runs.js";
import type { SigningKeyRing } from "../trust/signing-keys.js";

export const RUN_TOKEN_TYPE = "pea-run+jwt";

export interface RunTokenClaims {
  iss: string;
  aud: string;
  /** The human who started the run; absent for a run with no human in its chain. */
  sub?: string;
  act: { sub: string };
  run: string;
  intent: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Sign a token for a live run: it expires with the run or after runTokenTtlSeconds, whichever is first. */
export function issueRunToken(
  trust: TrustState,
  run: Pick<Run, "id" | "principal" | "intent" | "expiresAt" | "startedBy">,
  now: Date,
): { token: string; expiresAt: Date } {
  const active = trust.ring.active;
  if (!active) throw new Error("no signing key is loaded");
  const { issuer, audience, runTokenTtlSeconds } = trust.tokens;
  const iat = Math.floor(now.getTime() / 1000);
  const exp = Math.min(iat + runTokenTtlSeconds, Math.floor(run.expiresAt.getTime() / 1000));
  const claims: RunTokenClaims = {
    iss: issuer,
    aud: audience,
    ...(run.startedBy ? { sub: run.startedBy } : {}),
    act: { sub: run.principal.id },
    run: run.id,
    intent: run.intent,
    iat,
    exp,
    jti: `rtk_${randomHex(12)}`,
  };
  const header = json64({ alg: "EdDSA", typ: RUN_TOKEN_TYPE, kid: active.kid });
  const input = `${header}.${json64(claims)}`;
  const signature = sign(null, Buffer.from(input), active.key).toString("base64url");
  return { token: `${input}.${signature}`, expiresAt: new Date(exp * 1000) };
}

const json64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Whether a token claims to be one of PEA's run tokens (its header's typ), before any check. */
export function looksLikeRunToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === RUN_TOKEN_TYPE;
  } catch {
    return false;
  }
}

/**
 * Run tokens whose signature and claims a ring's keys verified, by token: an enforcement point
 * presents the same token on every call of a run, and the signature check is most of the cost of
 * reading it. A new ring (a key rotated in or retired) starts empty; expiry is checked on each use.
 */
const verifiedByRing = new WeakMap<SigningKeyRing, Map<string, RunTokenClaims>>();
const MAX_VERIFIED = 10_000;

/** The claims of a genuine, unexpired run token for PEA's audience; otherwise why not. */
export async function verifyRunToken(
  trust: TrustState,
  token: string,
  now: Date,
): Promise<{ claims: RunTokenClaims } | { refused: string }> {
  const verified = verifiedByRing.get(trust.ring) ?? new Map<string, RunTokenClaims>();
  const known = verified.get(token);
  if (known) {
    return known.exp > Math.floor(now.getTime() / 1000) ? { claims: known } : { refused: "the run token has expired" };
  }
  const checked = await checkRunToken(trust, token, now);
  if ("claims" in checked) {
    verifiedByRing.set(trust.ring, verified);
    // Oldest first out: a Map iterates in insertion order.
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
    verified.set(token, checked.claims);
  }
  return checked;
}

async function checkRunToken(
  trust: TrustState,
  token: string,
  now: Date,
): Promise<{ claims: RunTokenClaims } | { refused: string }> {
  try {
    const header = decodeProtectedHeader(token);
    const key = typeof header.kid === "string" ? trust.ring.verificationKey(header.kid) : undefined;
    if (!key) return { refused: "the run token is not signed by a key PEA publishes" };
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["EdDSA"],
      typ: RUN_TOKEN_TYPE,
      issuer: trust.tokens.issuer,
      audience: trust.tokens.audience,
      currentDate: now,
      requiredClaims: ["exp", "iat", "run", "act"],
    });
    const claims = payload as unknown as RunTokenClaims;
    if (typeof claims.run !== "string" || typeof claims.act?.sub !== "string" || typeof claims.intent !== "string") {
      return { refused: "the run token lacks PEA's claims" };
    }
    return { claims };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { refused: "the run token has expired" };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") {
      return { refused: "the run token is for another audience" };
    }
    return { refused: "the run token's signature or form is not valid" };
  }
}
