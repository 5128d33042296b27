// @pea/verifier: what a tool embeds to check a PEA authorization artifact before it acts.
// Offline: signature (EdDSA, against PEA's JWKS), expiry, and that the artifact is for exactly the
// request the tool is about to execute (request digest). Online: redeem it once at the PDP, which
// refuses replays and artifacts whose agent, run, intent, grant or artifact was revoked.
// One dependency (jose); Node's crypto for the digest.
import { createHash } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
} from "jose";

export const ARTIFACT_TYPE = "pea-artifact+jwt";
export const ARTIFACT_ISSUER = "pea";

export interface EntityRef {
  type: string;
  id: string;
}

/** The claims of an authorization artifact (times in seconds since the epoch). */
export interface ArtifactClaims {
  iss: string;
  /** "Type::id" of the principal. */
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  principal: EntityRef;
  chain: EntityRef[];
  intent: string | null;
  run: string | null;
  action: string;
  resource: EntityRef;
  /** requestDigest() of the authorized request. */
  requestDigest: string;
  policyVersion: string;
  entitlementVersion: number;
  /** The decision that issued the artifact (its record in the decision log). */
  decisionId: string;
  /** The approval the allow consumed, if one was needed. */
  approval?: string;
}

/** The parts of an authorization request that an artifact is bound to. */
export interface DigestibleRequest {
  principal: EntityRef;
  chain?: EntityRef[] | undefined;
  intent?: string | undefined | null;
  action: string;
  resource: EntityRef & { attributes?: Record<string, unknown> | undefined };
  context?: Record<string, unknown> | undefined;
}

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (value === undefined) return "null";
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("numbers must be finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * The digest an artifact (and an approval) is bound to: sha256 over the canonical JSON of
 * principal, chain, intent, action, resource (with any attributes the caller sent) and context.
 * A tool computes it from the request it is about to execute and compares.
 */
export function requestDigest(request: DigestibleRequest): string {
  const bound = {
    principal: { type: request.principal.type, id: request.principal.id },
    chain: (request.chain ?? []).map((l) => ({ type: l.type, id: l.id })),
    intent: request.intent ?? null,
    action: request.action,
    resource: {
      type: request.resource.type,
      id: request.resource.id,
      attributes: request.resource.attributes ?? null,
    },
    context: request.context ?? {},
  };
  return `sha256:${createHash("sha256").update(canonicalJson(bound)).digest("base64url")}`;
}

export type ArtifactErrorCode =
  /** Bad signature, unknown key, malformed, wrong type or issuer. */
  | "invalid"
  /** Past its exp. */
  | "expired"
  /** Valid, but for another request than the one about to execute. */
  | "digest_mismatch"
  /** The PDP has already redeemed it once. */
  | "replayed"
  /** The PDP refuses it: expired or revoked. */
  | "revoked"
  /** The PDP could not be asked (network, 5xx): do not act. */
  | "unavailable";

export class ArtifactError extends Error {
  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ArtifactError";
  }
}

export interface VerifierOptions {
  /** Where the public keys are: the PDP's base URL (its /.well-known/jwks.json is used) or a JWKS. */
  pdpUrl?: string;
  jwks?: JSONWebKeySet;
  /** API key for POST /v1/artifacts/redeem (scope `authorize`). */
  apiKey?: string;
  /** Seconds of clock skew tolerated on exp/iat (default 5). */
  clockToleranceSeconds?: number;
  fetch?: typeof fetch;
}

export interface Verifier {
  /** Offline: signature, expiry, and (when given) that the artifact is for this request. */
  verify(artifact: string, expected?: { request?: DigestibleRequest; requestDigest?: string }): Promise<ArtifactClaims>;
  /** Online: redeem once at the PDP; returns the claims the PDP accepted. */
  redeem(artifact: string, requestDigest?: string): Promise<ArtifactClaims>;
  /** Both: what a tool calls right before it acts. */
  check(artifact: string, request: DigestibleRequest): Promise<ArtifactClaims>;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const doFetch = options.fetch ?? fetch;
  const base = options.pdpUrl?.replace(/\/+$/, "");
  let keys: ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
  if (options.jwks) keys = createLocalJWKSet(options.jwks);
  else if (base)
    keys = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), { [customFetch]: doFetch as never });
  else throw new TypeError("createVerifier needs pdpUrl or jwks");

  const verify: Verifier["verify"] = async (artifact, expected) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(artifact, keys, {
        algorithms: ["EdDSA"],
        issuer: ARTIFACT_ISSUER,
        typ: ARTIFACT_TYPE,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ["exp", "iat", "jti", "sub"],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new ArtifactError("expired", "the artifact has expired");
      throw new ArtifactError("invalid", `the artifact cannot be verified: ${(error as Error).message}`);
    }
    const claims = payload as unknown as ArtifactClaims;
    if (typeof claims.requestDigest !== "string" || typeof claims.action !== "string") {
      throw new ArtifactError("invalid", "the artifact lacks PEA claims");
    }
    const want = expected?.requestDigest ?? (expected?.request ? requestDigest(expected.request) : undefined);
    if (want !== undefined && want !== claims.requestDigest) {
      throw new ArtifactError("digest_mismatch", "the artifact was issued for a different request");
    }
    return claims;
  };

  const redeem: Verifier["redeem"] = async (artifact, digest) => {
    if (!base || !options.apiKey) throw new TypeError("redeem needs pdpUrl and apiKey");
    let res: Response;
    try {
      res = await doFetch(`${base}/v1/artifacts/redeem`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(digest === undefined ? { artifact } : { artifact, requestDigest: digest }),
      });
    } catch (error) {
      throw new ArtifactError("unavailable", `the PDP cannot be reached: ${(error as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as {
      claims?: ArtifactClaims;
      error?: { message?: string };
    };
    const message = body.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 200 && body.claims) return body.claims;
    if (res.status === 409) throw new ArtifactError("replayed", message);
    if (res.status === 410) throw new ArtifactError("revoked", message);
    if (res.status === 401 && /digest/i.test(message)) throw new ArtifactError("digest_mismatch", message);
    if (res.status === 401 && body.error) throw new ArtifactError("invalid", message);
    throw new ArtifactError("unavailable", `redemption failed: ${message}`);
  };

  return {
    verify,
    redeem,
    async check(artifact, request) {
      const digest = requestDigest(request);
      await verify(artifact, { requestDigest: digest });
      return redeem(artifact, digest);
    },
  };
}
