import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, publicRoute } from "@pea/http-kit";
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
  ErrorBody,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

/** The AuthZEN endpoints: POSTs under this prefix need an API key (scope `authorize`). */
export const authzenPrefix = "/access/v1/";

const errors = {
  400: {
    description: "malformed JSON, not application/json, or a missing or mistyped field (named in the message)",
    content: { "application/json": { schema: ErrorBody } },
  },
  401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "the API key lacks the authorize scope", content: { "application/json": { schema: ErrorBody } } },
};

const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });

/**
 * OpenID AuthZEN Authorization API 1.0. Each decision is an ordinary PEA decision (same policies,
 * store, log, fail-closed rules); the answers carry only what the spec defines.
 */
export function authzenRoutes(app: OpenAPIHono<AppEnv>, deps: RouteDeps) {
  const { auth } = deps;
  const run = async <T>(work: () => Promise<AuthzenAnswer<T>>): Promise<T> => (await work()).body;
  const caller = (c: { get(key: "caller"): AppEnv["Variables"]["caller"] }) => ({ speaker: c.get("caller") });

  app.openapi(
    createRoute({
      method: "post",
      path: "/access/v1/evaluation",
      ...auth("authorize"),
      tags: ["AuthZEN"],
      summary: "AuthZEN Access Evaluation: may this subject take this action on this resource?",
      description:
        "subject → PEA principal; context.chain / context.intent / context.run carry PEA's own fields. " +
        'A deny is a 200 with {"decision": false}.',
      request: { body: { required: true, ...json(AuthzenEvaluationRequest) } },
      responses: { 200: { description: "the decision", ...json(AuthzenDecision) }, ...errors },
    }),
    async (c) => c.json(await run(() => authzenEvaluate(c.req.valid("json"), caller(c), deps)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/access/v1/evaluations",
      ...auth("authorize"),
      tags: ["AuthZEN"],
      summary: "AuthZEN Access Evaluations: many decisions, top-level values as defaults",
      description:
        "options.evaluations_semantic: execute_all (default), deny_on_first_deny or permit_on_first_permit " +
        "(evaluated in order, answered up to and including the first deny / permit).",
      request: { body: { required: true, ...json(AuthzenEvaluationsRequest) } },
      responses: {
        200: { description: "one decision per evaluation, in order", ...json(AuthzenEvaluationsResponse) },
        ...errors,
      },
    }),
    async (c) => c.json(await run(() => authzenEvaluations(c.req.valid("json"), caller(c), deps)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/access/v1/search/subject",
      ...auth("authorize"),
      tags: ["AuthZEN"],
      summary: "AuthZEN Subject Search: the stored subjects of a type allowed the action on the resource",
      request: { body: { required: true, ...json(AuthzenSubjectSearchRequest) } },
      responses: { 200: { description: "a page of subjects", ...json(AuthzenEntitySearchResponse) }, ...errors },
    }),
    async (c) => c.json(await run(() => authzenSearchSubjects(c.req.valid("json"), caller(c), deps)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/access/v1/search/resource",
      ...auth("authorize"),
      tags: ["AuthZEN"],
      summary: "AuthZEN Resource Search: the stored resources of a type the subject may act on",
      request: { body: { required: true, ...json(AuthzenResourceSearchRequest) } },
      responses: { 200: { description: "a page of resources", ...json(AuthzenEntitySearchResponse) }, ...errors },
    }),
    async (c) => c.json(await run(() => authzenSearchResources(c.req.valid("json"), caller(c), deps)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/access/v1/search/action",
      ...auth("authorize"),
      tags: ["AuthZEN"],
      summary: "AuthZEN Action Search: the actions the subject may take on the resource",
      request: { body: { required: true, ...json(AuthzenActionSearchRequest) } },
      responses: { 200: { description: "a page of actions", ...json(AuthzenActionSearchResponse) }, ...errors },
    }),
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
      responses: { 200: { description: "PDP metadata", ...json(AuthzenConfiguration) } },
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
