import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError } from "@pea/http-kit";
import { refusalOf, signInWithApiKey, signInWithPassword, signOut } from "@pea/policy-store";
import {
  AdminAgent,
  AdminApiKey,
  AdminGroup,
  AdminIntent,
  AdminResource,
  AdminSegment,
  AdminUser,
  AgentIntentGrant,
  ApprovalDecisionBody,
  ApprovalView,
  AuditSearch,
  ChangeOwnPassword,
  ChangeResult,
  CreateAdminApiKey,
  CreateAgent,
  CreatedApiKey,
  CreateGroup,
  CreateIntent,
  CreateUser,
  ErrorBody,
  Membership,
  PutResource,
  RunSupervision,
  RunView,
  type ApiKeyScope as Scope,
  SessionInfo,
  SetPassword,
  SignIn,
  SodConflictBody,
  UpdateAgent,
  UpdateIntent,
  UpdateUser,
  WallCrossingGrant,
  WallCrossingView,
} from "@pea/schemas";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AdminDeps } from "./app.js";
import { type AdminEnv, clearSessionCookie, identify, SESSION_COOKIE, setSessionCookie } from "./auth.js";

const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });
const errors = {
  400: err("the request cannot be read or the change is invalid; the message names the field"),
  401: err("not signed in"),
  403: err("PEA's admin policies refuse this change (the message names the rule), or a CSRF/role problem"),
  404: err("a referenced entity does not exist"),
  409: err("conflict: already exists, or refused by a separation-of-duties rule"),
};
const json = <T extends z.ZodType>(schema: T, description = "ok") => ({
  description,
  content: { "application/json": { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});
const IdParam = z.object({ id: z.string().min(1).max(256) });

/** Map what the functions below raise to the error envelope. */
export function toApiError(error: unknown): never {
  const refusal = refusalOf(error);
  if (refusal) throw new ApiError(refusal.status, refusal.code, refusal.message);
  throw error;
}

export function apiRoutes(app: OpenAPIHono<AdminEnv>, deps: AdminDeps) {
  const { entitlements: ent } = deps;
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
  });

  // Everything under /api/v1 except signing in needs an identity.
  app.use("/api/v1/*", async (c, next) => {
    if (c.req.path === "/api/v1/session" && c.req.method === "POST") return next();
    const who = await identify(c, deps);
    if (!who.ok) throw new ApiError(who.status, who.status === 401 ? "unauthorized" : "forbidden", who.message);
    c.set("actor", who.actor);
    c.set("session", who.session);
    await next();
  });

  const changed = async (extra: Record<string, unknown> = {}) => ({
    ok: true as const,
    entitlementVersion: await ent.entitlementVersion(),
    ...extra,
  });
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      toApiError(error);
    }
  };
  const actor = (c: Context<AdminEnv>) => c.get("actor");

  // ---- session ---------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/session",
      tags: ["session"],
      summary: "Sign in with a local password or a user-bound API key; sets an httpOnly SameSite cookie",
      security: [],
      request: body(SignIn),
      responses: { 200: json(SessionInfo), ...errors },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const session =
        "password" in input
          ? await signInWithPassword(deps.database, input.user, input.password)
          : await signInWithApiKey(deps.database, deps.keys, input.apiKey);
      if (!session) throw new ApiError(401, "unauthorized", "wrong user, password or key (or the user is not active)");
      setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
      const allowed = await deps.authorizer.allowedActions(session.userId);
      return c.json(
        {
          user: session.userId,
          via: session.via,
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt.toISOString(),
          allowed: [...allowed],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/session",
      tags: ["session"],
      summary: "Who is signed in, and what PEA's admin policies let them do",
      responses: { 200: json(SessionInfo), ...errors },
    }),
    async (c) => {
      const a = actor(c);
      const session = c.get("session");
      const allowed = await deps.authorizer.allowedActions(a.userId);
      return c.json(
        {
          user: a.userId,
          via: a.via,
          csrfToken: session?.csrfToken ?? "",
          expiresAt: session?.expiresAt.toISOString() ?? "",
          allowed: [...allowed],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/session",
      tags: ["session"],
      summary: "Sign out",
      responses: { 200: json(z.object({ ok: z.literal(true) })), ...errors },
    }),
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await signOut(deps.database, token);
      clearSessionCookie(c);
      return c.json({ ok: true as const }, 200);
    },
  );

  // ---- users -----------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/users",
      tags: ["people"],
      summary: "Users with their groups and segments",
      responses: { 200: json(z.object({ users: z.array(AdminUser) })), ...errors },
    }),
    async (c) => c.json({ users: await run(() => ent.listUsers(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/users",
      tags: ["people"],
      summary: "Create a user",
      request: body(CreateUser),
      responses: { 201: json(ChangeResult, "created"), ...errors },
    }),
    async (c) => {
      await run(() => ent.createUser(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/users/{id}",
      tags: ["people"],
      summary: "Change a user's name, e-mail or status (suspend, revoke, reactivate)",
      request: { params: IdParam, ...body(UpdateUser) },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      await run(() => ent.updateUser(actor(c), c.req.valid("param").id, c.req.valid("json")));
      return c.json(await changed(), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/users/{id}/password",
      tags: ["people"],
      summary: "Set another user's local password (scrypt); ends their sessions",
      request: { params: IdParam, ...body(SetPassword) },
      responses: { 200: json(z.object({ ok: z.literal(true) })), ...errors },
    }),
    async (c) => {
      await run(() => ent.setUserPassword(actor(c), c.req.valid("param").id, c.req.valid("json").password));
      return c.json({ ok: true as const }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/session/password",
      tags: ["session"],
      summary: "Change your own password (proving the current one); ends your sessions",
      request: body(ChangeOwnPassword),
      responses: { 200: json(z.object({ ok: z.literal(true) })), ...errors },
    }),
    async (c) => {
      const { current, password } = c.req.valid("json");
      await run(() => ent.changeOwnPassword(actor(c), current, password));
      return c.json({ ok: true as const }, 200);
    },
  );

  // ---- agents ----------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/agents",
      tags: ["people"],
      summary: "Agents: owner, status, intents, groups and segments",
      responses: { 200: json(z.object({ agents: z.array(AdminAgent) })), ...errors },
    }),
    async (c) => c.json({ agents: await run(() => ent.listAgents(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents",
      tags: ["people"],
      summary: "Register an agent (it needs an active owner)",
      request: body(CreateAgent),
      responses: { 201: json(ChangeResult, "created"), ...errors },
    }),
    async (c) => {
      await run(() => ent.createAgent(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/agents/{id}",
      tags: ["people"],
      summary: "Change an agent's owner, description or status",
      request: { params: IdParam, ...body(UpdateAgent) },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      await run(() => ent.updateAgent(actor(c), c.req.valid("param").id, c.req.valid("json")));
      return c.json(await changed(), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/{id}/intents",
      tags: ["people"],
      summary: "Let an agent hold an intent (widens it: its owner may not do this)",
      request: { params: IdParam, ...body(AgentIntentGrant) },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      await run(() => ent.grantAgentIntent(actor(c), c.req.valid("param").id, c.req.valid("json").intent));
      return c.json(await changed(), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/agents/{id}/intents/{intent}",
      tags: ["people"],
      summary: "Take an intent away from an agent",
      request: { params: z.object({ id: z.string().min(1).max(256), intent: z.string().min(1).max(256) }) },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      const { id, intent } = c.req.valid("param");
      await run(() => ent.revokeAgentIntent(actor(c), id, intent));
      return c.json(await changed(), 200);
    },
  );

  // ---- groups, segments, memberships -----------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/groups",
      tags: ["groups"],
      summary: "Groups with their members",
      responses: { 200: json(z.object({ groups: z.array(AdminGroup) })), ...errors },
    }),
    async (c) => c.json({ groups: await run(() => ent.listGroups(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/groups",
      tags: ["groups"],
      summary: "Create a group",
      request: body(CreateGroup),
      responses: { 201: json(ChangeResult, "created"), ...errors },
    }),
    async (c) => {
      await run(() => ent.createGroup(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/segments",
      tags: ["groups"],
      summary: "Information-barrier segments with their members",
      responses: { 200: json(z.object({ segments: z.array(AdminSegment) })), ...errors },
    }),
    async (c) => c.json({ segments: await run(() => ent.listSegments(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/segments",
      tags: ["groups"],
      summary: "Create a segment",
      request: body(CreateGroup),
      responses: { 201: json(ChangeResult, "created"), ...errors },
    }),
    async (c) => {
      await run(() => ent.createSegment(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/memberships",
      tags: ["groups"],
      summary: "Put a user, agent or group in a group or segment (SoD conflicts are refused)",
      request: body(Membership),
      responses: { 201: json(ChangeResult, "granted"), ...errors },
    }),
    async (c) => {
      const { member, parent } = c.req.valid("json");
      await run(() => ent.grantMembership(actor(c), member, parent));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/memberships/revoke",
      tags: ["groups"],
      summary: "Take a user, agent or group out of a group or segment",
      request: body(Membership),
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      const { member, parent } = c.req.valid("json");
      await run(() => ent.revokeMembership(actor(c), member, parent));
      return c.json(await changed(), 200);
    },
  );

  // ---- intents ---------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/intents",
      tags: ["intents"],
      summary: "Intents, their capability sets and the agents holding them",
      responses: { 200: json(z.object({ intents: z.array(AdminIntent) })), ...errors },
    }),
    async (c) => c.json({ intents: await run(() => ent.listIntents(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/intents",
      tags: ["intents"],
      summary: "Create an intent with its capability set (each action must apply to its resource type)",
      request: body(CreateIntent),
      responses: { 201: json(ChangeResult, "created"), ...errors },
    }),
    async (c) => {
      await run(() => ent.createIntent(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/intents/{id}",
      tags: ["intents"],
      summary: "Change an intent's description or replace its capability set",
      request: { params: IdParam, ...body(UpdateIntent) },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      await run(() => ent.updateIntent(actor(c), c.req.valid("param").id, c.req.valid("json")));
      return c.json(await changed(), 200);
    },
  );

  // ---- resources -------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/resources",
      tags: ["resources"],
      summary: "Registered resources and their governance attributes",
      responses: { 200: json(z.object({ resources: z.array(AdminResource) })), ...errors },
    }),
    async (c) => c.json({ resources: await run(() => ent.listResources(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/resources/{type}/{id}",
      tags: ["resources"],
      summary: "Register or replace a resource's governance attributes (checked against the Cedar schema)",
      request: {
        params: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(256) }),
        ...body(PutResource),
      },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      const { type, id } = c.req.valid("param");
      const input = c.req.valid("json");
      const result = await run(() =>
        ent.putResource(actor(c), { type, id, attributes: input.attributes, parents: input.parents }),
      );
      return c.json(await changed(result), 200);
    },
  );

  // ---- API keys --------------------------------------------------------------------------------
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/keys",
      tags: ["keys"],
      summary: "API keys (never their secrets)",
      responses: { 200: json(z.object({ keys: z.array(AdminApiKey) })), ...errors },
    }),
    async (c) => c.json({ keys: await run(() => ent.listApiKeys(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/keys",
      tags: ["keys"],
      summary: "Create an API key bound to a user; the key is in this answer only",
      request: body(CreateAdminApiKey),
      responses: { 201: json(CreatedApiKey, "created"), ...errors },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const created = await run(() =>
        ent.createApiKey(actor(c), { name: input.name, userId: input.userId, scopes: input.scopes as Scope[] }),
      );
      return c.json(created, 201);
    },
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/keys/{id}",
      tags: ["keys"],
      summary: "Revoke an API key (every PDP stops accepting it at once)",
      request: { params: IdParam },
      responses: { 200: json(ChangeResult), ...errors },
    }),
    async (c) => {
      await run(() => ent.revokeApiKey(actor(c), c.req.valid("param").id));
      return c.json(await changed(), 200);
    },
  );

  // ---- oversight -------------------------------------------------------------------------------
  const ov = deps.oversight;
  const Loose = z.record(z.string(), z.unknown());
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/sod-conflicts",
      tags: ["separation of duties"],
      summary: "Declared SoD conflicts (group pairs nobody may hold together)",
      responses: { 200: json(z.object({ conflicts: z.array(SodConflictBody) })), ...errors },
    }),
    async (c) => c.json({ conflicts: await run(() => ov.listSodConflicts(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sod-conflicts",
      tags: ["separation of duties"],
      summary: "Declare a conflict (compliance); refused if someone already holds both",
      request: body(SodConflictBody),
      responses: { 201: json(ChangeResult, "declared"), ...errors },
    }),
    async (c) => {
      await run(() => ov.declareSodConflict(actor(c), c.req.valid("json")));
      return c.json(await changed(), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/wall-crossings",
      tags: ["separation of duties"],
      summary: "Wall crossings, newest first",
      responses: { 200: json(z.object({ crossings: z.array(WallCrossingView) })), ...errors },
    }),
    async (c) => c.json({ crossings: await run(() => ov.listWallCrossings(actor(c))) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/wall-crossings",
      tags: ["separation of duties"],
      summary: "Bring a person over the wall for one issuer until an expiry (compliance, never for oneself)",
      request: body(WallCrossingGrant),
      responses: { 201: json(WallCrossingView, "granted"), ...errors },
    }),
    async (c) => c.json(await run(() => ov.grantWallCrossing(actor(c), c.req.valid("json"))), 201),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/wall-crossings/{id}",
      tags: ["separation of duties"],
      summary: "Revoke a wall crossing: the person's next decision is denied",
      request: { params: IdParam },
      responses: { 200: json(WallCrossingView), ...errors },
    }),
    async (c) => c.json(await run(() => ov.revokeWallCrossing(actor(c), c.req.valid("param").id)), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/approvals",
      tags: ["approvals"],
      summary: "The approvals queue",
      request: {
        query: z.object({ status: z.enum(["pending", "approved", "rejected", "expired", "used"]).optional() }),
      },
      responses: { 200: json(z.object({ approvals: z.array(ApprovalView) })), ...errors },
    }),
    async (c) => c.json({ approvals: await run(() => ov.listApprovals(actor(c), c.req.valid("query").status)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/approvals/{id}/decision",
      tags: ["approvals"],
      summary: "Approve or reject (with a reason); never the requester or anyone in its chain",
      request: { params: IdParam, ...body(ApprovalDecisionBody) },
      responses: { 200: json(ApprovalView), ...errors },
    }),
    async (c) => {
      const { vote, reason } = c.req.valid("json");
      return c.json(await run(() => ov.decideApproval(actor(c), c.req.valid("param").id, vote, reason)), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/runs",
      tags: ["runs"],
      summary: "Runs, newest first",
      request: { query: z.object({ status: z.enum(["active", "paused", "cancelled", "completed"]).optional() }) },
      responses: { 200: json(z.object({ runs: z.array(RunView) })), ...errors },
    }),
    async (c) => c.json({ runs: await run(() => ov.listRuns(actor(c), { status: c.req.valid("query").status })) }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/runs/{id}",
      tags: ["runs"],
      summary: "A run and its timeline (lineage from the audit log)",
      request: { params: IdParam },
      responses: { 200: json(z.object({ run: Loose.nullable(), lineage: Loose.optional() })), ...errors },
    }),
    async (c) => {
      const result = await run(() => ov.runTimeline(actor(c), c.req.valid("param").id));
      return c.json(result as never, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/runs/{id}/supervise",
      tags: ["runs"],
      summary: "Pause, resume or cancel a run: its next decision anywhere sees it",
      request: { params: IdParam, ...body(RunSupervision) },
      responses: { 200: json(RunView), ...errors },
    }),
    async (c) => {
      const { action, reason } = c.req.valid("json");
      return c.json(await run(() => ov.superviseRun(actor(c), c.req.valid("param").id, action, reason)), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/audit",
      tags: ["audit"],
      summary: "Search the audit log by principal, run, decision, reason, kind",
      request: { query: AuditSearch },
      responses: {
        200: json(z.object({ entries: z.array(Loose), nextCursor: z.number().int().optional() })),
        ...errors,
      },
    }),
    async (c) => c.json((await run(() => ov.searchAudit(actor(c), c.req.valid("query")))) as never, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/policies",
      tags: ["policies"],
      summary: "Policy versions: the one this process evaluates, published versions, activation history",
      responses: { 200: json(Loose), ...errors },
    }),
    async (c) => {
      const result = await run(() => ov.policyVersions(actor(c)));
      return c.json({ loadedVersion: deps.engine.policyVersion, ...result } as never, 200);
    },
  );
}
