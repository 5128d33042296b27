import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError } from "@pea/http-kit";
import {
  AccountError,
  AdminDeniedError,
  EntitlementError,
  signInWithApiKey,
  signInWithPassword,
  signOut,
} from "@pea/policy-store";
import {
  AdminAgent,
  AdminApiKey,
  AdminGroup,
  AdminIntent,
  AdminResource,
  AdminSegment,
  AdminUser,
  AgentIntentGrant,
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
  type ApiKeyScope as Scope,
  SessionInfo,
  SignIn,
  UpdateAgent,
  UpdateIntent,
  UpdateUser,
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
  if (error instanceof AdminDeniedError) {
    const reason = error.decision.reasons[0];
    const status = reason?.code === "store_unavailable" ? 503 : 403;
    const policy = reason?.policy ? ` (policy ${reason.policy})` : "";
    throw new ApiError(status, status === 503 ? "not_ready" : "forbidden", `${error.message}${policy}`);
  }
  if (error instanceof EntitlementError) {
    const status = error.code === "not_found" ? 404 : error.code === "conflict" ? 409 : 400;
    throw new ApiError(status, error.code, error.message);
  }
  if (error instanceof AccountError) throw new ApiError(400, "invalid_request", error.message);
  const named = error as { name?: string; code?: string; message?: string };
  // Refusals from other modules (SoD conflicts, barriers) carry a conflict code and a message naming it.
  if (named?.code === "conflict" || named?.name === "SodConflictError") {
    throw new ApiError(409, "conflict", named.message ?? "conflict");
  }
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
}
