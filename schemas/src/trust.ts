// Runtime trust contracts (issue 5): artifacts, JWKS, revocations, approvals, run supervision.
import { z } from "@hono/zod-openapi";
import { EntityRef } from "./contracts.js";
import { requestSchema } from "./request.js";

export const ArtifactClaims = z
  .object({
    iss: z.string(),
    sub: z.string(),
    jti: z.string(),
    iat: z.number().int(),
    exp: z.number().int(),
    principal: EntityRef,
    chain: z.array(EntityRef),
    intent: z.string().nullable(),
    run: z.string().nullable(),
    action: z.string(),
    resource: EntityRef,
    requestDigest: z.string(),
    policyVersion: z.string(),
    entitlementVersion: z.number().int(),
    decisionId: z.string(),
    approval: z.string().optional(),
  })
  .openapi("ArtifactClaims");

export const RedeemRequest = requestSchema("RedeemRequest", {
  artifact: z.string().min(1).max(16_384),
  requestDigest: z
    .string()
    .max(128)
    .optional()
    .openapi({ description: "The digest the tool computed of the request it is about to execute." }),
});

export const RedeemResponse = z.object({ redeemed: z.literal(true), claims: ArtifactClaims }).openapi("RedeemResponse");

export const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("JWKS", { description: "Public keys that sign authorization artifacts (EdDSA, Ed25519)." });

export const revocationTargetTypeValues = ["Agent", "Run", "Intent", "Grant", "Artifact"] as const;
export const RevocationRequest = requestSchema("RevocationRequest", {
  target: z
    .object({
      type: z.enum(revocationTargetTypeValues),
      id: z.string().min(1).max(256).openapi({ description: 'For a Grant: "<agent>/<intent>".' }),
    })
    .strict(),
  reason: z.string().min(1).max(1000),
});

export const RevocationQuery = z
  .object({
    type: z.enum(revocationTargetTypeValues).optional(),
    id: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const Revocation = z
  .object({
    id: z.string(),
    target: z.object({ type: z.enum(revocationTargetTypeValues), id: z.string() }),
    reason: z.string(),
    createdAt: z.string(),
    by: z.string(),
  })
  .openapi("Revocation");

export const approvalStatusValues = ["pending", "approved", "rejected", "expired", "used"] as const;
export const Approval = z
  .object({
    id: z.string(),
    status: z.enum(approvalStatusValues),
    requestDigest: z.string(),
    request: z.object({
      principal: EntityRef,
      chain: z.array(EntityRef),
      intent: z.string().nullable(),
      run: z.string().nullable(),
      action: z.string(),
      resource: z.object({
        type: z.string(),
        id: z.string(),
        attributes: z.record(z.string(), z.unknown()).optional(),
      }),
      context: z.record(z.string(), z.unknown()),
    }),
    requirements: z.array(z.object({ policy: z.string(), group: z.string(), approvers: z.number().int() })),
    votes: z.array(
      z.object({
        user: z.string(),
        vote: z.enum(["approve", "reject"]),
        reason: z.string().nullable(),
        at: z.string(),
      }),
    ),
    decisionId: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    decidedAt: z.string().nullable(),
    reason: z.string().nullable(),
    usedAt: z.string().nullable(),
    usedByDecision: z.string().nullable(),
  })
  .openapi("Approval");

export const ApprovalVoteRequest = requestSchema("ApprovalVoteRequest", {
  reason: z.string().min(1).max(1000).optional(),
});
export const ApprovalRejectRequest = requestSchema("ApprovalRejectRequest", { reason: z.string().min(1).max(1000) });

export const SuperviseRunRequest = requestSchema("SuperviseRunRequest", {
  reason: z.string().min(1).max(1000).optional(),
});
