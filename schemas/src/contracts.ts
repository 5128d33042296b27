// API contracts (zod). The OpenAPI documents are generated from these; never hand-edit a copy.
import { z } from "@hono/zod-openapi";
import { rejectUnstorableText } from "./storable.js";

/** Every reason code a decision can carry. Closed: policies name one of these in @reason. */
export const reasonCodes = [
  "policy_denied",
  "not_permitted",
  "intent_scope",
  "delegation_invalid",
  "barrier",
  "sod",
  "approval_required",
  "run_inactive",
  "run_mismatch",
  "principal_revoked",
  "unknown_entity",
  "invalid_request",
  "store_unavailable",
  "evaluation_error",
  "audit_unavailable",
  "object_mismatch",
  "unverified_principal",
  "unverified_delegation",
] as const;
export const ReasonCode = z.enum(reasonCodes).openapi("ReasonCode");
export type ReasonCode = z.infer<typeof ReasonCode>;

/** Every error code an HTTP error body can carry. */
export const errorCodes = [
  "invalid_request",
  "payload_too_large",
  "unsupported_media_type",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "gone",
  "too_many_requests",
  "invalid_artifact",
  "not_ready",
  "internal",
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorBody>;

const entityType = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Z][A-Za-z0-9_]*$/, "an entity type such as Agent or Dataset");
const entityId = z.string().min(1).max(256);

export const EntityRef = z
  .object({ type: entityType, id: entityId })
  .strict()
  .openapi("EntityRef", { example: { type: "Agent", id: "research-assistant" } });
export type EntityRef = z.infer<typeof EntityRef>;

/** Caller-supplied JSON objects: untrusted facts, bounded in size by the body limit. */
const Facts = z.record(z.string().max(128), z.unknown());

/** A compact JWS: three base64url parts. */
export const compactJwt = z
  .string()
  .max(8192)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "a signed token (compact JWS)");

export const Delegation = z.object({ token: compactJwt }).strict().openapi("Delegation", {
  description:
    "Evidence of the chain's delegation: a PEA run token (POST /v1/runs) or a token-exchange token from a trusted identity provider (sub the human, act.sub the agent, aud PEA). Never seen by policy; logged as its sha256.",
});

export const AuthorizeRequest = z
  .object({
    principal: EntityRef.openapi({ description: "The actor about to act." }),
    chain: z
      .array(EntityRef)
      .max(16)
      .default([])
      .openapi({ description: "On whose behalf the principal acts, outermost first." }),
    intent: z.string().min(1).max(128).optional().openapi({ description: "The delegated task." }),
    run: z.string().min(1).max(128).optional(),
    action: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, "an action name such as dataset:read")
      .openapi({ example: "dataset:read" }),
    resource: z
      .object({ type: entityType, id: entityId, attributes: Facts.optional() })
      .strict()
      .openapi({ example: { type: "Dataset", id: "research-repo" } }),
    context: Facts.default({}).openapi({ description: "Caller facts; untrusted, seen by policy as context.request." }),
    evidence: Facts.optional().openapi({
      description: "Model-derived signals: logged and shown to humans, never evaluated by policy.",
    }),
    approval: z
      .string()
      .regex(/^apr_[A-Za-z0-9]{1,64}$/, "an approval id such as apr_...")
      .optional()
      .openapi({ description: "An approved approval for exactly this request (used once)." }),
    delegation: Delegation.optional(),
  })
  .strict()
  .superRefine((value, ctx) => rejectUnstorableText(value, ctx))
  .openapi("AuthorizeRequest");
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const Reason = z
  .object({
    code: ReasonCode,
    message: z.string(),
    policy: z.string().optional(),
    link: z
      .string()
      .optional()
      .openapi({ description: "The chain link that was denied, e.g. Agent::research-assistant." }),
  })
  .openapi("Reason");
export type Reason = z.infer<typeof Reason>;

export const Obligation = z
  .object({ type: z.string(), approvalId: z.string().optional() })
  .passthrough()
  .openapi("Obligation");
export type Obligation = z.infer<typeof Obligation>;

export const AuthorizeResponse = z
  .object({
    decision: z.enum(["allow", "deny"]),
    decisionId: z.string(),
    reasons: z.array(Reason),
    obligations: z.array(Obligation),
    artifact: z.string().optional(),
    policyVersion: z.string(),
    entitlementVersion: z.number().int(),
  })
  .openapi("AuthorizeResponse");
export type AuthorizeResponse = z.infer<typeof AuthorizeResponse>;

export const MAX_BATCH = 100;
export const AuthorizeBatchRequest = z
  .object({ requests: z.array(AuthorizeRequest).min(1).max(MAX_BATCH) })
  .strict()
  .openapi("AuthorizeBatchRequest");
export const AuthorizeBatchResponse = z
  .object({ responses: z.array(AuthorizeResponse) })
  .openapi("AuthorizeBatchResponse");

/** API key scopes. `admin` implies every other scope. */
export const apiKeyScopes = ["authorize", "runs", "approvals", "audit", "admin"] as const;
export const ApiKeyScope = z.enum(apiKeyScopes);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

/**
 * Whom a key may speak for in decisions: `user` its user; `service` the agents it hosts;
 * `gateway` principals whose delegation it proves per request; `admin` nobody (it administers).
 */
export const apiKeyKinds = ["user", "service", "gateway", "admin"] as const;
export const ApiKeyKind = z.enum(apiKeyKinds);
export type ApiKeyKind = z.infer<typeof ApiKeyKind>;

/** An authenticated key and whom it may speak for (policy-store identity/caller-binding.ts). */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  kind: ApiKeyKind;
  scopes: ApiKeyScope[];
  /** The user a `user` key speaks for. */
  userId: string | null;
  /** The agents a `service` key hosts, by id and by group. */
  agents: string[];
  agentGroups: string[];
  /** Who made the key ("key:<id>", "User::<id>", "bootstrap", "cli"). */
  createdBy: string | null;
}

// ---- runs (issue 3) -------------------------------------------------------------------------
export const runStatusValues = ["active", "paused", "cancelled", "completed"] as const;
export const StartRunRequest = z
  .object({
    principal: EntityRef.openapi({ description: "The actor that will carry out the run." }),
    chain: z.array(EntityRef).max(16).default([]).openapi({ description: "On whose behalf, outermost first." }),
    intent: z.string().min(1).max(128).openapi({ description: "The delegated task." }),
    purpose: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, "a purpose of use such as treatment")
      .optional()
      .openapi({ description: "Declared purpose of use; policies see it as context.run.purpose." }),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional()
      .openapi({ description: "Default 3600." }),
    delegation: Delegation.optional().openapi({
      description: "For a key that is not the human's own: their identity provider's token (sub the human).",
    }),
  })
  .strict()
  .openapi("StartRunRequest");
export type StartRunRequest = z.infer<typeof StartRunRequest>;

export const RunResponse = z
  .object({
    id: z.string(),
    principal: EntityRef,
    chain: z.array(EntityRef),
    intent: z.string(),
    purpose: z.string().nullable(),
    status: z.enum(runStatusValues),
    expiresAt: z.string(),
    createdAt: z.string(),
    startedBy: z.string().nullable().openapi({ description: "The human who started it, authenticated." }),
    subAgents: z.array(z.string()).openapi({ description: "Agents admitted as the principal's sub-agents." }),
    token: z.string().optional().openapi({
      description:
        "A run token (only when the run is started): the agent's enforcement point presents it as delegation.token.",
    }),
    tokenExpiresAt: z.string().optional(),
  })
  .openapi("Run");

export const RunTokenResponse = z.object({ token: z.string(), expiresAt: z.string() }).openapi("RunToken");

export const AdmitSubAgentRequest = z
  .object({ agent: z.string().min(1).max(256).openapi({ description: "A registered agent's id." }) })
  .strict()
  .openapi("AdmitSubAgentRequest");
export type RunResponse = z.infer<typeof RunResponse>;

// ---- decision outcomes and wall crossings (issue 3) -----------------------------------------
export const OutcomeRequest = z
  .object({
    status: z.enum(["executed", "failed", "aborted"]).openapi({
      description: "failed or aborted: the action did not execute, so it no longer counts in history.",
    }),
    detail: z.string().max(2000).optional(),
  })
  .strict()
  .openapi("OutcomeRequest");
export const OutcomeResponse = z
  .object({ decisionId: z.string(), status: z.enum(["executed", "failed", "aborted"]), reportedAt: z.string() })
  .openapi("Outcome");

export const WallCrossingRequest = z
  .object({
    user: z.string().min(1).max(256).openapi({ description: "The person brought over the wall." }),
    issuer: z.string().min(1).max(256).openapi({ description: "The one issuer the crossing is for." }),
    reason: z.string().min(1).max(2000),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(90 * 24 * 3600)
      .openapi({ description: "The crossing ends by itself after this many seconds." }),
  })
  .strict()
  .openapi("WallCrossingRequest");
export const WallCrossing = z
  .object({
    id: z.string(),
    user: z.string(),
    issuer: z.string(),
    reason: z.string(),
    grantedBy: z.string(),
    grantedAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    active: z.boolean(),
  })
  .openapi("WallCrossing");

/** GET /v1/policy: the policy version this PDP process serves, its shadow candidate, a refused version. */
export const PolicyStatusResponse = z
  .object({
    active: z
      .object({
        source: z.enum(["published", "directory"]),
        version: z.string(),
        policies: z.number().int(),
        loadedAt: z.string(),
        published: z
          .object({
            contentHash: z.string(),
            gitCommit: z.string().nullable(),
            author: z.string(),
            message: z.string(),
            createdAt: z.string(),
            keyId: z.string(),
          })
          .optional(),
        activation: z
          .object({
            seq: z.number().int(),
            kind: z.enum(["activate", "rollback"]),
            requestedBy: z.string(),
            approvedBy: z.string().nullable(),
            createdAt: z.string(),
          })
          .optional(),
      })
      .nullable(),
    shadow: z.object({ version: z.string(), evaluated: z.number().int(), flips: z.number().int() }).nullable(),
    rejected: z.object({ version: z.string(), problem: z.string() }).nullable(),
  })
  .openapi("PolicyStatus");
export type PolicyStatusResponse = z.infer<typeof PolicyStatusResponse>;
