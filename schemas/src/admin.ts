// Admin API contracts (apps/admin). The admin OpenAPI document is generated from these.
import { z } from "@hono/zod-openapi";
import { ApiKeyKind, ApiKeyScope } from "./contracts.js";
import { requestSchema } from "./request.js";

const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]*$/, "letters, digits and . _ @ : - (starting with a letter or digit)");
const Status = z.enum(["active", "suspended", "revoked"]);
const Description = z.string().max(1000);

export const AdminRef = z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(256) }).strict();

export const AdminUser = z
  .object({
    id: z.string(),
    displayName: z.string(),
    email: z.string().nullable(),
    status: z.string(),
    memberOf: z.array(AdminRef),
    hasPassword: z.boolean(),
  })
  .openapi("AdminUser");
export const CreateUser = requestSchema("CreateUser", {
  id: Id,
  displayName: z.string().min(1).max(200),
  email: z.string().email().max(320).optional(),
});
export const UpdateUser = requestSchema("UpdateUser", {
  displayName: z.string().min(1).max(200).optional(),
  email: z.string().email().max(320).nullable().optional(),
  status: Status.optional(),
});

export const AdminAgent = z
  .object({
    id: z.string(),
    owner: z.string(),
    description: z.string(),
    status: z.string(),
    intents: z.array(z.string()),
    memberOf: z.array(AdminRef),
    delegableBy: z.array(z.string()),
  })
  .openapi("AdminAgent");
export const CreateAgent = requestSchema("CreateAgent", { id: Id, owner: Id, description: Description.optional() });
export const UpdateAgent = requestSchema("UpdateAgent", {
  owner: Id.optional(),
  description: Description.optional(),
  status: Status.optional(),
});
export const AgentIntentGrant = requestSchema("AgentIntentGrant", { intent: Id });

export const AdminGroup = z
  .object({ id: z.string(), description: z.string(), members: z.array(AdminRef), memberOf: z.array(AdminRef) })
  .openapi("AdminGroup");
export const AdminSegment = z
  .object({ id: z.string(), description: z.string(), members: z.array(AdminRef) })
  .openapi("AdminSegment");
export const CreateGroup = requestSchema("CreateGroup", { id: Id, description: Description.optional() });
export const Membership = requestSchema("Membership", {
  member: z.object({ type: z.enum(["User", "Agent", "Group"]), id: Id }).strict(),
  parent: z.object({ type: z.enum(["Group", "Segment"]), id: Id }).strict(),
});

export const Capability = requestSchema("Capability", {
  action: z.string().min(1).max(128),
  resourceType: z.string().min(1).max(64),
});
export const AdminIntent = z
  .object({ id: z.string(), description: z.string(), capabilities: z.array(Capability), agents: z.array(z.string()) })
  .openapi("AdminIntent");
export const CreateIntent = requestSchema("CreateIntent", {
  id: Id,
  description: Description.optional(),
  capabilities: z.array(Capability).max(100),
});
export const UpdateIntent = requestSchema("UpdateIntent", {
  description: Description.optional(),
  capabilities: z.array(Capability).max(100).optional(),
});

export const AdminResource = z
  .object({
    type: z.string(),
    id: z.string(),
    attributes: z.record(z.string(), z.unknown()),
    parents: z.array(AdminRef),
  })
  .openapi("AdminResource");
export const PutResource = requestSchema("PutResource", {
  attributes: z.record(z.string().max(128), z.unknown()),
  parents: z
    .array(z.object({ type: z.literal("Segment"), id: Id }).strict())
    .max(16)
    .optional(),
});

export const AdminApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ApiKeyKind,
    scopes: z.array(z.string()),
    userId: z.string().nullable().openapi({ description: "a user key's person" }),
    agents: z.array(z.string()).openapi({ description: "a service key's agents" }),
    agentGroups: z.array(z.string()).openapi({ description: "a service key's agent groups" }),
    createdBy: z.string().nullable().openapi({ description: 'who made the key ("User::pat", "cli", …)' }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("AdminApiKey");
export const CreateAdminApiKey = requestSchema("CreateAdminApiKey", {
  name: z.string().min(1).max(200),
  kind: z
    .enum(["user", "service", "gateway"])
    .default("user")
    .openapi({ description: "user: speaks for userId; service: for its agents; gateway: for proven delegations" }),
  userId: Id.optional(),
  agents: z.array(Id).max(100).optional(),
  agentGroups: z.array(Id).max(100).optional(),
  scopes: z.array(ApiKeyScope).min(1),
});
export const CreatedApiKey = z
  .object({ id: z.string(), key: z.string().openapi({ description: "shown once" }) })
  .openapi("CreatedApiKey");
export const PendingCredentialRequest = z
  .object({
    status: z.literal("pending"),
    requestId: z.string(),
    kind: z.enum(["api_key", "password"]),
    subject: z.string(),
    expiresAt: z.string(),
  })
  .openapi("PendingCredentialRequest", {
    description: "a credential bound to another person waits for a second administrator's approval",
  });
export const CredentialRequest = z
  .object({
    id: z.string(),
    kind: z.enum(["api_key", "password"]),
    subject: z.string(),
    detail: z.object({ name: z.string().optional(), scopes: z.array(z.string()).optional() }),
    requestedBy: z.string(),
    requestedAt: z.string(),
    status: z.enum(["pending", "approved", "rejected", "issued", "expired"]),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    keyId: z.string().nullable(),
    expiresAt: z.string(),
  })
  .openapi("CredentialRequest");

export const SignIn = z
  .union([
    z.object({ user: Id, password: z.string().min(1).max(1024) }).strict(),
    z.object({ apiKey: z.string().min(1).max(300) }).strict(),
  ])
  .openapi("SignIn");
export const SessionInfo = z
  .object({
    user: z.string(),
    via: z.string(),
    csrfToken: z.string().openapi({ description: "send as X-CSRF-Token on every cookie-authenticated change" }),
    expiresAt: z.string(),
    allowed: z.array(z.string()).openapi({ description: "the admin actions PEA's policies allow this user" }),
    mustChangePassword: z.boolean().openapi({
      description: "signed in with a password someone else set: change it (PUT /api/v1/session/password) first",
    }),
  })
  .openapi("SessionInfo");

/** What every successful change answers: the entitlement version it produced. */
export const ChangeResult = z
  .object({ ok: z.literal(true), entitlementVersion: z.number().int() })
  .passthrough()
  .openapi("ChangeResult");

// ---- oversight: SoD conflicts, wall crossings, approvals, runs, audit, policies ---------------
export const SodConflictBody = requestSchema("SodConflict", {
  a: Id,
  b: Id,
  description: z.string().max(500).optional(),
});
export const WallCrossingGrant = requestSchema("WallCrossingGrant", {
  user: Id,
  issuer: z.string().min(1).max(128),
  reason: z.string().min(1).max(500),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 24 * 3600),
});
export const ApprovalDecisionBody = requestSchema("ApprovalDecision", {
  vote: z.enum(["approve", "reject"]),
  reason: z.string().max(500).optional().openapi({ description: "required to reject" }),
});
export const ApprovalView = z
  .object({ id: z.string(), status: z.string(), request: z.record(z.string(), z.unknown()) })
  .passthrough()
  .openapi("AdminApproval");
export const RunView = z
  .object({ id: z.string(), status: z.string(), intent: z.string() })
  .passthrough()
  .openapi("AdminRun");
export const RunSupervision = requestSchema("RunSupervision", {
  action: z.enum(["pause", "resume", "cancel"]),
  reason: z.string().max(500).optional(),
});
export const SetPassword = requestSchema("SetPassword", { password: z.string().min(12).max(1024) });
export const ChangeOwnPassword = requestSchema("ChangeOwnPassword", {
  current: z.string().min(1).max(1024),
  password: z.string().min(12).max(1024),
});
