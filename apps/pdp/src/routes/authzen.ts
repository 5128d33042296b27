import type { OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import {
  type AuthzenAnswer,
  authzenEvaluate,
  authzenEvaluations,
  authzenSearchActions,
  authzenSearchResources,
  authzenSearchSubjects,
  type Caller,
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
import { areaRoutes, decisionArea, publicDocument } from "./kit.js";

/** The AuthZEN endpoints: POSTs under this prefix need an API key (scope `authorize`). */
export const authzenPrefix = "/access/v1/";

/** One AuthZEN endpoint: a POST of `body` that policy-store's `work` answers with a body of `answer`. */
interface Endpoint<B extends z.ZodType, A extends z.ZodType> {
  /** Its key in the PDP metadata (/.well-known/authzen-configuration). */
  metadata: Exclude<keyof z.infer<typeof AuthzenConfiguration>, "policy_decision_point">;
  /** Below authzenPrefix. */
  path: string;
  summary: string;
  description?: string;
  body: B;
  answer: A;
  answered: string;
  work: (request: z.output<B>, caller: Caller, deps: RouteDeps) => Promise<AuthzenAnswer<z.input<A>>>;
}
const endpoint = <B extends z.ZodType, A extends z.ZodType>(e: Endpoint<B, A>) => e as Endpoint<z.ZodType, z.ZodType>;

const endpoints = [
  endpoint({
    metadata: "access_evaluation_endpoint",
    path: "evaluation",
    summary: "AuthZEN Access Evaluation: may this subject take this action on this resource?",
    description:
      "subject → PEA principal; context.chain / context.intent / context.run carry PEA's own fields. " +
      'A deny is a 200 with {"decision": false}.',
    body: AuthzenEvaluationRequest,
    answer: AuthzenDecision,
    answered: "the decision",
    work: authzenEvaluate,
  }),
  endpoint({
    metadata: "access_evaluations_endpoint",
    path: "evaluations",
    summary: "AuthZEN Access Evaluations: many decisions, top-level values as defaults",
    description:
      "options.evaluations_semantic: execute_all (default), deny_on_first_deny or permit_on_first_permit " +
      "(evaluated in order, answered up to and including the first deny / permit).",
    body: AuthzenEvaluationsRequest,
    answer: AuthzenEvaluationsResponse,
    answered: "one decision per evaluation, in order",
    work: authzenEvaluations,
  }),
  endpoint({
    metadata: "search_subject_endpoint",
    path: "search/subject",
    summary: "AuthZEN Subject Search: the stored subjects of a type allowed the action on the resource",
    body: AuthzenSubjectSearchRequest,
    answer: AuthzenEntitySearchResponse,
    answered: "a page of subjects",
    work: authzenSearchSubjects,
  }),
  endpoint({
    metadata: "search_resource_endpoint",
    path: "search/resource",
    summary: "AuthZEN Resource Search: the stored resources of a type the subject may act on",
    body: AuthzenResourceSearchRequest,
    answer: AuthzenEntitySearchResponse,
    answered: "a page of resources",
    work: authzenSearchResources,
  }),
  endpoint({
    metadata: "search_action_endpoint",
    path: "search/action",
    summary: "AuthZEN Action Search: the actions the subject may take on the resource",
    body: AuthzenActionSearchRequest,
    answer: AuthzenActionSearchResponse,
    answered: "a page of actions",
    work: authzenSearchActions,
  }),
];

/**
 * OpenID AuthZEN Authorization API 1.0. Each decision is an ordinary PEA decision (same policies,
 * store, log, fail-closed rules); the answers carry only what the spec defines.
 */
export function authzenRoutes(app: OpenAPIHono<AppEnv>, deps: RouteDeps) {
  const route = areaRoutes(app, decisionArea("AuthZEN", deps.auth("authorize")));
  for (const { metadata: _, path, body, answer, answered, work, ...doc } of endpoints) {
    route(
      {
        method: "post",
        path: `${authzenPrefix}${path}`,
        ...doc,
        body,
        answers: { 200: jsonContent(answer, answered) },
      },
      async (c) => c.json((await work(c.req.valid("json"), { speaker: c.get("caller") }, deps)).body, 200),
    );
  }

  publicDocument(app, {
    tag: "AuthZEN",
    path: "/.well-known/authzen-configuration",
    summary: "AuthZEN PDP metadata (public): where each endpoint is",
    answer: AuthzenConfiguration,
    answered: "PDP metadata",
    maxAge: 3600,
    build: (c) => {
      const base = new URL(c.req.url).origin;
      const where = endpoints.map(({ metadata, path }) => [metadata, `${base}${authzenPrefix}${path}`]);
      return { policy_decision_point: base, ...Object.fromEntries(where) };
    },
  });
}
