import { z } from "@hono/zod-openapi";
import { AdminAgent, AgentIntentGrant, CreateAgent, UpdateAgent } from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, changeRoute, IdParam, listRoute } from "./kit.js";

export function agentRoutes(app: AdminApi, deps: AppDeps): void {
  const ent = deps.entitlements;
  listRoute(app, {
    path: "/api/v1/agents",
    tag: "people",
    summary: "Agents: owner, status, intents, groups and segments",
    key: "agents",
    item: AdminAgent,
    list: (who) => ent.listAgents(who),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/agents",
    tag: "people",
    summary: "Register an agent (it needs an active owner)",
    body: CreateAgent,
    status: 201,
    description: "created",
    change: (who, { body }) => ent.createAgent(who, body),
  });
  changeRoute(app, deps, {
    method: "patch",
    path: "/api/v1/agents/{id}",
    tag: "people",
    summary: "Change an agent's owner, description or status",
    params: IdParam,
    body: UpdateAgent,
    change: (who, { params, body }) => ent.updateAgent(who, params.id, body),
  });
  changeRoute(app, deps, {
    method: "post",
    path: "/api/v1/agents/{id}/intents",
    tag: "people",
    summary: "Let an agent hold an intent (widens it: its owner may not do this)",
    params: IdParam,
    body: AgentIntentGrant,
    change: (who, { params, body }) => ent.grantAgentIntent(who, params.id, body.intent),
  });
  changeRoute(app, deps, {
    method: "delete",
    path: "/api/v1/agents/{id}/intents/{intent}",
    tag: "people",
    summary: "Take an intent away from an agent",
    params: z.object({ id: z.string().min(1).max(256), intent: z.string().min(1).max(256) }),
    change: (who, { params }) => ent.revokeAgentIntent(who, params.id, params.intent),
  });
}
