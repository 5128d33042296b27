// Drizzle definitions of the tables in ../sql, used for typed queries. The SQL files are the
// source of truth for the database; keep both in step when a migration changes a table.
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  type ReferenceConfig,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** A text column that must name a row of another table (the key `target` gives). */
const requiredRef = (name: string, target: () => AnyPgColumn, actions?: ReferenceConfig["actions"]) =>
  text(name).notNull().references(target, actions);

/** Who granted a membership or an agent's intent, and when. */
const granted = () => ({
  grantedBy: text("granted_by"),
  grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
});

export const peaState = pgTable("pea_state", {
  key: text("key").primaryKey(),
  value: bigint("value", { mode: "number" }).notNull(),
});

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  displayName: text("display_name").notNull(),
  email: text("email"),
  status: text("status").notNull().default("active"),
  createdAt: createdAt(),
});

export const agents = pgTable("agents", {
  id: text("id").primaryKey(),
  ownerId: requiredRef("owner_id", () => users.id),
  description: text("description").notNull().default(""),
  status: text("status").notNull().default("active"),
  createdAt: createdAt(),
});

export const groups = pgTable("groups", {
  id: text("id").primaryKey(),
  description: text("description").notNull().default(""),
});

export const segments = pgTable("segments", {
  id: text("id").primaryKey(),
  description: text("description").notNull().default(""),
});

export const memberships = pgTable(
  "memberships",
  {
    memberType: text("member_type").notNull(),
    memberId: text("member_id").notNull(),
    parentType: text("parent_type").notNull(),
    parentId: text("parent_id").notNull(),
    ...granted(),
  },
  (t) => [primaryKey({ columns: [t.memberType, t.memberId, t.parentType, t.parentId] })],
);

/** Local passwords for the admin console (0008_admin_accounts.sql, 0014: must_change). */
export const adminAccounts = pgTable("admin_accounts", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  passwordHash: text("password_hash").notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  mustChange: boolean("must_change").notNull().default(false),
});

/** Admin console sessions (0008_admin_accounts.sql): only the token's hash is stored. */
export const adminSessions = pgTable("admin_sessions", {
  tokenHash: text("token_hash").primaryKey(),
  userId: requiredRef("user_id", () => users.id, { onDelete: "cascade" }),
  csrfToken: text("csrf_token").notNull(),
  /** How the session was opened: "password", "api-key:<key id>" or "oidc:<issuer>". */
  via: text("via").notNull(),
  createdAt: createdAt(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Credentials for another person, waiting for a second administrator (0014_credential_requests.sql). */
export const credentialRequests = pgTable("credential_requests", {
  id: text("id").primaryKey(),
  kind: text("kind").$type<"api_key" | "password">().notNull(),
  subject: requiredRef("subject", () => users.id, { onDelete: "cascade" }),
  /** An api_key request: its name and scopes. */
  detail: jsonb("detail").$type<{ name?: string; scopes?: string[] }>().notNull().default(sql`'{}'::jsonb`),
  passwordHash: text("password_hash"),
  requestedBy: requiredRef("requested_by", () => users.id),
  requestedVia: text("requested_via").notNull(),
  requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
  status: text("status").$type<"pending" | "approved" | "rejected" | "issued">().notNull().default("pending"),
  decidedBy: text("decided_by").references(() => users.id),
  decidedAt: timestamp("decided_at", { withTimezone: true }),
  keyId: text("key_id"),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Information-barrier crossings (0003_c_barriers_sod.sql). */
export const wallCrossings = pgTable("wall_crossings", {
  id: text("id").primaryKey(),
  userId: requiredRef("user_id", () => users.id),
  issuer: text("issuer").notNull(),
  reason: text("reason").notNull(),
  grantedBy: text("granted_by").notNull(),
  grantedAt: timestamp("granted_at", { withTimezone: true }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  revokedBy: text("revoked_by"),
});

/** Group pairs nobody may hold together (0003_c_barriers_sod.sql; group_a < group_b). */
export const sodConflicts = pgTable(
  "sod_conflicts",
  {
    groupA: text("group_a").notNull(),
    groupB: text("group_b").notNull(),
    description: text("description").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.groupA, t.groupB] })],
);

export const intents = pgTable("intents", {
  id: text("id").primaryKey(),
  description: text("description").notNull().default(""),
});

export const intentCapabilities = pgTable(
  "intent_capabilities",
  {
    intentId: requiredRef("intent_id", () => intents.id),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
  },
  (t) => [primaryKey({ columns: [t.intentId, t.action, t.resourceType] })],
);

export const agentIntents = pgTable(
  "agent_intents",
  {
    agentId: requiredRef("agent_id", () => agents.id),
    intentId: requiredRef("intent_id", () => intents.id),
    ...granted(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.intentId] })],
);

export const agentDelegations = pgTable(
  "agent_delegations",
  {
    agentId: requiredRef("agent_id", () => agents.id),
    delegatorAgentId: requiredRef("delegator_agent_id", () => agents.id),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.delegatorAgentId] })],
);

export const resources = pgTable(
  "resources",
  {
    type: text("type").notNull(),
    id: text("id").notNull(),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    parents: jsonb("parents").$type<Array<{ type: string; id: string }>>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.type, t.id] })],
);

export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  secretHash: text("secret_hash").notNull(),
  scopes: text("scopes").array().notNull(),
  userId: text("user_id").references(() => users.id),
  createdAt: createdAt(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  /** user | service | gateway | admin (0013_identity.sql): whom the key may speak for. */
  kind: text("kind").notNull(),
  agents: text("agents").array().notNull().default(sql`'{}'`),
  agentGroups: text("agent_groups").array().notNull().default(sql`'{}'`),
  createdBy: text("created_by"),
});

/** The audit log (0004_audit_log.sql): written only through policy-store's audit-chain.ts. */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigint("seq", { mode: "number" }).notNull(),
    time: timestamp("time", { withTimezone: true }).notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    record: jsonb("record").$type<{ type: string } & Record<string, unknown>>().notNull(),
    kind: text("kind"),
    principal: text("principal"),
    runId: text("run_id"),
    decision: text("decision"),
    ref: text("ref"),
    /** The deciding reason of a deny (0012_audit_console.sql). */
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.seq, t.time] })],
);

// ---- issue 3: runs (0003_a_runs.sql) ----
export const runs = pgTable("runs", {
  id: text("id").primaryKey(),
  principal: jsonb("principal").$type<{ type: string; id: string }>().notNull(),
  chain: jsonb("chain").$type<Array<{ type: string; id: string }>>().notNull(),
  intent: text("intent").notNull(),
  purpose: text("purpose"),
  status: text("status").notNull().default("active"),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  createdBy: text("created_by"),
  /** The human who started the run, authenticated (0013_identity.sql). */
  startedBy: text("started_by"),
  subAgents: jsonb("sub_agents").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
});

// ---- runtime trust (0005_runtime_trust.sql) ---------------------------------------------------
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull().default("EdDSA"),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  /** The private JWK, plain JSON or "enc:v1:…" (AES-256-GCM). Never leaves the server. */
  privateKey: text("private_key").notNull(),
  createdAt: createdAt(),
  retiresAt: timestamp("retires_at", { withTimezone: true }),
});

export const revocations = pgTable("revocations", {
  id: text("id").primaryKey(),
  targetType: text("target_type").notNull(),
  targetId: text("target_id").notNull(),
  reason: text("reason").notNull(),
  createdAt: createdAt(),
  apiKeyId: text("api_key_id"),
  userId: text("user_id"),
});

export const approvals = pgTable("approvals", {
  id: text("id").primaryKey(),
  status: text("status").notNull(),
  requestDigest: text("request_digest").notNull(),
  principal: jsonb("principal").notNull(),
  chain: jsonb("chain").notNull(),
  intent: text("intent"),
  runId: text("run_id"),
  action: text("action").notNull(),
  resource: jsonb("resource").notNull(),
  context: jsonb("context").notNull(),
  requirements: jsonb("requirements").notNull(),
  decisionId: text("decision_id"),
  apiKeyId: text("api_key_id"),
  createdAt: createdAt(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  decidedAt: timestamp("decided_at", { withTimezone: true }),
  reason: text("reason"),
  usedAt: timestamp("used_at", { withTimezone: true }),
  usedByDecision: text("used_by_decision"),
});

export const approvalVotes = pgTable(
  "approval_votes",
  {
    approvalId: requiredRef("approval_id", () => approvals.id),
    userId: text("user_id").notNull(),
    vote: text("vote").notNull(),
    reason: text("reason"),
    apiKeyId: text("api_key_id"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.approvalId, t.userId] })],
);

export const artifactRedemptions = pgTable("artifact_redemptions", {
  jti: text("jti").primaryKey(),
  runId: text("run_id"),
  principal: text("principal").notNull(),
  action: text("action").notNull(),
  resource: text("resource").notNull(),
  redeemedAt: timestamp("redeemed_at", { withTimezone: true }).notNull().defaultNow(),
  apiKeyId: text("api_key_id"),
});

// ---- policy as code (0006_policy_versions.sql) -------------------------------------------------
export const policyVersions = pgTable("policy_versions", {
  id: text("id").primaryKey(),
  contentHash: text("content_hash").notNull().unique(),
  files: jsonb("files").$type<Array<{ file: string; text: string }>>().notNull(),
  policyCount: integer("policy_count").notNull(),
  gitCommit: text("git_commit"),
  author: text("author").notNull(),
  message: text("message").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  keyId: text("key_id").notNull(),
  publicKey: text("public_key").notNull(),
  signature: text("signature").notNull(),
});

/** One row (id = 1). */
export const policySettings = pgTable("policy_settings", {
  id: integer("id").primaryKey(),
  fourEyes: boolean("four_eyes").notNull().default(false),
  updatedBy: text("updated_by"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const policyActivations = pgTable("policy_activations", {
  seq: bigserial("seq", { mode: "number" }).primaryKey(),
  versionId: requiredRef("version_id", () => policyVersions.id),
  kind: text("kind").$type<"activate" | "rollback">().notNull(),
  requestedBy: text("requested_by").notNull(),
  approvedBy: text("approved_by"),
  requestId: text("request_id"),
  createdAt: createdAt(),
});

export const policyActivationRequests = pgTable("policy_activation_requests", {
  id: text("id").primaryKey(),
  versionId: requiredRef("version_id", () => policyVersions.id),
  kind: text("kind").$type<"activate" | "rollback">().notNull(),
  requestedBy: text("requested_by").notNull(),
  requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
  status: text("status").notNull().default("pending"),
  decidedBy: text("decided_by"),
  decidedAt: timestamp("decided_at", { withTimezone: true }),
});

/** Decisions where the shadow version disagreed with the enforced one (never enforced). */
export const policyShadowFlips = pgTable("policy_shadow_flips", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  createdAt: createdAt(),
  shadowVersion: text("shadow_version").notNull(),
  activeVersion: text("active_version").notNull(),
  decisionId: text("decision_id").notNull(),
  activeDecision: text("active_decision").notNull(),
  shadowDecision: text("shadow_decision").notNull(),
  rule: text("rule").notNull(),
  request: jsonb("request").notNull(),
});

/** One row (id = 1): the shadow candidate, if any. */
export const policyShadow = pgTable("policy_shadow", {
  id: integer("id").primaryKey(),
  versionId: text("version_id").references(() => policyVersions.id),
  setBy: text("set_by"),
  setAt: timestamp("set_at", { withTimezone: true }).notNull().defaultNow(),
});

/** What each allowed decision touched, for whom (0003_b_history.sql): written by history.ts. */
export const touches = pgTable("touches", {
  decisionId: text("decision_id").primaryKey(),
  at: timestamp("at", { withTimezone: true }).notNull(),
  runId: text("run_id"),
  agents: text("agents").array().notNull(),
  human: text("human"),
  labels: text("labels").array().notNull(),
  apiKeyId: text("api_key_id"),
  undone: boolean("undone").notNull().default(false),
});

/** Who did which duty on a business object (0003_b_history.sql): written by history.ts. */
export const objectDuties = pgTable("object_duties", {
  decisionId: text("decision_id").primaryKey(),
  at: timestamp("at", { withTimezone: true }).notNull(),
  objectType: text("object_type").notNull(),
  objectId: text("object_id").notNull(),
  duty: text("duty").notNull(),
  users: text("users").array().notNull(),
  agents: text("agents").array().notNull(),
  apiKeyId: text("api_key_id"),
  undone: boolean("undone").notNull().default(false),
});

/** Extra attributes of users and agents (0003_c_barriers_sod.sql). */
export const principalAttributes = pgTable(
  "principal_attributes",
  {
    type: text("type").notNull(),
    id: text("id").notNull(),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [primaryKey({ columns: [t.type, t.id] })],
);

// ---- the audit chain's head and checkpoints (0004_audit_log.sql) ------------------------------
/** One row (id = 1): the last seq and hash of the chain. */
export const auditHead = pgTable("audit_head", {
  id: integer("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
});

export const auditSigningKeys = pgTable("audit_signing_keys", {
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  /** Only for the development default; production keeps the private key outside the database. */
  privateKey: text("private_key"),
  createdAt: createdAt(),
});

export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    time: timestamp("time", { withTimezone: true }).notNull(),
    keyId: requiredRef("key_id", () => auditSigningKeys.id),
    signature: text("signature").notNull(),
  },
  (t) => [primaryKey({ columns: [t.seq, t.keyId] })],
);
