import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonBody, jsonContent, publicRoute } from "@pea/http-kit";
import {
  type AuthzenAnswer,
  authzenEvaluate,
  authzenEvaluations,
  authzenSearchActions,
  authzenSearchResources,
  authzenSearchSubjects,
} from "@pea/policy-store";
import {
  AuthzenActionSearchRequest,
  AuthzenActionSearchResponse,
  AuthzenConfiguration,
  AuthzenDecision,
  AuthzenEntitySearchResponse,
  AuthzenEvaluationRequest,
  AuthzenEvaluationsRequest,
  AuthzenEvaluationsResponse,
  AuthzenResourceSearchRequest,
  AuthzenSubjectSearchRequest,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, keyErrors } from "./kit.js";

/** The AuthZEN endpoints: POSTs under this prefix need an API key (scope `authorize`). */
export const authzenPrefix = "/access/v1/";

const errors = {
  400: errorDoc("malformed JSON, not application/json, or a missing or mistyped field (named in the message)"),
  ...keyErrors("the API key lacks the authorize scope"),
};

/**
 * OpenID AuthZEN Authorization API 1.0. Each decision is an ordinary PEA decision (same policies,
 * store, log, fail-closed rules); the answers carry only what the spec defines.
 */
export function authzenRoutes(app: OpenAPIHono<AppEnv>, deps: RouteDeps) {
  const route = areaRoutes(app, deps.auth, "AuthZEN", "authorize");
  const run = async <T>(work: () => Promise<AuthzenAnswer<T>>): Promise<T> => (await work()).body;
  const caller = (c: { get(key: "caller"): AppEnv["Variables"]["caller"] }) => ({ speaker: c.get("caller") });

  route(
    {
      method: "post",
      path: "/access/v1/evaluation",
      summary: "AuthZEN Access Evaluation: may this subject take this action on this resource?",
      description:
        "subject → PEA principal; context.chain / context.intent / context.run carry PEA's own fields. " +
        'A deny is a 200 with {"decision": false}.',
      request: jsonBody(AuthzenEvaluationRequest),
      responses: { 200: jsonContent(AuthzenDecision, "the decision"), ...errors },
    },
    async (c) => c.json(await run(() => authzenEvaluate(c.req.valid("json"), caller(c), deps)), 200),
  );

  route(
    {
      method: "post",
      path: "/access/v1/evaluations",
      summary: "AuthZEN Access Evaluations: many decisions, top-level values as defaults",
      description:
        "options.evaluations_semantic: execute_all (default), deny_on_first_deny or permit_on_first_permit " +
        "(evaluated in order, answered up to and including the first deny / permit).",
      request: jsonBody(AuthzenEvaluationsRequest),
      responses: {
        200: jsonContent(AuthzenEvaluationsResponse, "one decision per evaluation, in order"),
        ...errors,
      },
    },
    async (c) => c.json(await run(() => authzenEvaluations(c.req.valid("json"), caller(c), deps)), 200),
  );

  route(
    {
      method: "post",
      path: "/access/v1/search/subject",
      summary: "AuthZEN Subject Search: the stored subjects of a type allowed the action on the resource",
      request: jsonBody(AuthzenSubjectSearchRequest),
      responses: { 200: jsonContent(AuthzenEntitySearchResponse, "a page of subjects"), ...errors },
    },
    async (c) => c.json(await run(() => authzenSearchSubjects(c.req.valid("json"), caller(c), deps)), 200),
  );

  route(
    {
      method: "post",
      path: "/access/v1/search/resource",
      summary: "AuthZEN Resource Search: the stored resources of a type the subject may act on",
      request: jsonBody(AuthzenResourceSearchRequest),
      responses: { 200: jsonContent(AuthzenEntitySearchResponse, "a page of resources"), ...errors },
    },
    async (c) => c.json(await run(() => authzenSearchResources(c.req.valid("json"), caller(c), deps)), 200),
  );

  route(
    {
      method: "post",
      path: "/access/v1/search/action",
      summary: "AuthZEN Action Search: the actions the subject may take on the resource",
      request: jsonBody(AuthzenActionSearchRequest),
      responses: { 200: jsonContent(AuthzenActionSearchResponse, "a page of actions"), ...errors },
    },
    async (c) => c.json(await run(() => authzenSearchActions(c.req.valid("json"), caller(c), deps)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/.well-known/authzen-configuration",
      ...publicRoute,
      tags: ["AuthZEN"],
      summary: "AuthZEN PDP metadata (public): where each endpoint is",
      security: [],
      responses: { 200: jsonContent(AuthzenConfiguration, "PDP metadata") },
    }),
    (c) => {
      const base = new URL(c.req.url).origin;
      c.header("cache-control", "public, max-age=3600");
      return c.json(
        {
          policy_decision_point: base,
          access_evaluation_endpoint: `${base}/access/v1/evaluation`,
          access_evaluations_endpoint: `${base}/access/v1/evaluations`,
          search_subject_endpoint: `${base}/access/v1/search/subject`,
          search_resource_endpoint: `${base}/access/v1/search/resource`,
          search_action_endpoint: `${base}/access/v1/search/action`,
        },
        200,
      );
    },
  );
}
