import { sign } from "node:crypto";
import type { Database } from "@pea/migrations";
import { type ErrorCode, PeaError } from "@pea/schemas";
import { ARTIFACT_ISSUER, ARTIFACT_TYPE, type ArtifactClaims, requestDigest } from "@pea/verifier";
import { decodeProtectedHeader, errors, jwtVerify } from "jose";
import { recordChange } from "../audit/chain.js";
import { type DecisionRequest, linkName } from "../decision/decision.js";
import { type Actor, actorName, grantId, type TrustState } from "./revocations.js";

export { requestDigest };

export class SigningUnavailableError extends PeaError {
  constructor(message: string, code: ErrorCode = "not_ready") {
    super(code, message);
  }
}

/**
 * Sign the authorization artifact of an allow: an EdDSA JWT bound to this one request. Its jti is
 * the decision id, so the decision log and the redemption record name the same thing.
 */
export async function issueArtifact(
  trust: TrustState,
  request: DecisionRequest,
  decision: { decisionId: string; policyVersion: string; entitlementVersion: number; approval?: string | undefined },
): Promise<{ token: string; claims: ArtifactClaims }> {
  const active = trust.ring.active;
  if (!active) throw new SigningUnavailableError("no signing key is loaded");
  const iat = Math.floor(Date.now() / 1000);
  const claims: ArtifactClaims = {
    iss: ARTIFACT_ISSUER,
    sub: linkName(request.principal),
    jti: decision.decisionId,
    iat,
    exp: iat + trust.artifactTtlSeconds,
    principal: { type: request.principal.type, id: request.principal.id },
    chain: request.chain.map((l) => ({ type: l.type, id: l.id })),
    intent: request.intent ?? null,
    run: request.run ?? null,
    action: request.action,
    resource: { type: request.resource.type, id: request.resource.id },
    requestDigest: requestDigest(request),
    policyVersion: decision.policyVersion,
    entitlementVersion: decision.entitlementVersion,
    decisionId: decision.decisionId,
    ...(decision.approval ? { approval: decision.approval } : {}),
  };
  // Compact JWS by hand (what jose's SignJWT produced, at a fraction of the cost): Ed25519 signs
  // the ASCII of "<header>.<payload>", both base64url JSON.
  const header = base64urlJson({ alg: "EdDSA", typ: ARTIFACT_TYPE, kid: active.kid });
  const signingInput = `${header}.${base64urlJson(claims)}`;
  const signature = sign(null, Buffer.from(signingInput), active.key).toString("base64url");
  return { token: `${signingInput}.${signature}`, claims };
}

const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export type RedeemOutcome =
  | { status: 200; claims: ArtifactClaims }
  | { status: 401 | 409 | 410; code: "invalid_artifact" | "conflict" | "gone"; message: string };

const refuse = (status: 401 | 409 | 410, message: string): RedeemOutcome => ({
  status,
  code: status === 401 ? "invalid_artifact" : status === 409 ? "conflict" : "gone",
  message,
});

/**
 * A tool's last check before it acts. 200 with the claims the first time; 401 for a bad signature,
 * an unknown key or a request digest that does not match; 410 once expired, revoked (its agent,
 * grant, task, run or the artifact itself) or its run is no longer active; 409 on any later use.
 * The redemption is recorded in the audit log (lineage) in the same transaction.
 */
export async function redeemArtifact(
  database: Database,
  trust: TrustState,
  input: { artifact: string; requestDigest?: string | undefined },
  actor: Actor,
): Promise<RedeemOutcome> {
  let claims: ArtifactClaims;
  try {
    const header = decodeProtectedHeader(input.artifact);
    const key = typeof header.kid === "string" ? trust.ring.verificationKey(header.kid) : undefined;
    if (!key) return refuse(401, "the artifact is not signed by a key this service publishes");
    const { payload } = await jwtVerify(input.artifact, key, {
      algorithms: ["EdDSA"],
      issuer: ARTIFACT_ISSUER,
      typ: ARTIFACT_TYPE,
      requiredClaims: ["exp", "iat", "jti", "sub"],
    });
    claims = payload as unknown as ArtifactClaims;
  } catch (error) {
    if (error instanceof errors.JWTExpired) return refuse(410, "the artifact has expired");
    return refuse(401, "the artifact's signature or form is not valid");
  }
  if (typeof claims.requestDigest !== "string" || typeof claims.action !== "string" || !claims.principal) {
    return refuse(401, "the artifact lacks PEA's claims");
  }
  if (input.requestDigest !== undefined && input.requestDigest !== claims.requestDigest) {
    return refuse(401, "the request digest does not match the artifact");
  }

  const targets: Array<[string, string]> = [["Artifact", claims.jti]];
  if (claims.run) targets.push(["Run", claims.run]);
  if (claims.intent) targets.push(["Intent", claims.intent]);
  for (const link of [...(claims.chain ?? []), claims.principal]) {
    if (link.type !== "Agent") continue;
    targets.push(["Agent", link.id]);
    if (claims.intent) targets.push(["Grant", grantId(link.id, claims.intent)]);
  }

  // Raw statements: a tool redeems before every action it takes, next to the decision that allowed
  // it, and drizzle costs per statement there (a point read: Postgres 146 µs raw, 174 through the
  // `sql` template, 204 through the builder; PGlite 144, 283, 315; npm run bench:drizzle).
  return database.transaction(async (tx) => {
    // Spent is spent: a replay is named as such even if the artifact was revoked since.
    const spent = await tx.query("SELECT 1 FROM artifact_redemptions WHERE jti = $1", [claims.jti]);
    if (spent.length > 0) return refuse(409, "the artifact has already been redeemed");
    // Read the store, not the cache: a revocation committed anywhere before this point wins.
    const revoked = await tx.query<{ target_type: string; target_id: string }>(
      `SELECT r.target_type, r.target_id FROM revocations r
       JOIN unnest($1::text[], $2::text[]) AS t(type, id) ON r.target_type = t.type AND r.target_id = t.id LIMIT 1`,
      [targets.map((t) => t[0]), targets.map((t) => t[1])],
    );
    const hit = revoked[0];
    if (hit) return refuse(410, `the artifact was revoked (${hit.target_type}::${hit.target_id})`);
    if (claims.run) {
      const [run] = await tx.query<{ status: string; live: boolean }>(
        "SELECT status, expires_at > now() AS live FROM runs WHERE id = $1",
        [claims.run],
      );
      if (run?.status !== "active" || !run.live) {
        return refuse(
          410,
          `run ${claims.run} is ${run ? (run.status === "active" ? "expired" : run.status) : "unknown"}`,
        );
      }
    }
    const inserted = await tx.query(
      `INSERT INTO artifact_redemptions (jti, run_id, principal, action, resource, api_key_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (jti) DO NOTHING RETURNING jti`,
      [claims.jti, claims.run, claims.sub, claims.action, linkName(claims.resource), actor.apiKeyId],
    );
    if (inserted.length === 0) return refuse(409, "the artifact has already been redeemed");
    await recordChange(tx, {
      actor: actorName(actor),
      apiKeyId: actor.apiKeyId,
      action: "artifact.redeem",
      target: `Artifact::${claims.jti}`,
      run: claims.run ?? undefined,
      detail: {
        decisionId: claims.decisionId,
        principal: claims.sub,
        action: claims.action,
        resource: linkName(claims.resource),
      },
    });
    return { status: 200 as const, claims };
  });
}
