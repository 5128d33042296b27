// OpenID AuthZEN Authorization API 1.0 contracts (zod): requests are read as the spec describes
// them (unknown keys are ignored, as the spec lets implementations add parameters); responses carry
// only what the spec defines, because interop comparisons are exact.
import { z } from "@hono/zod-openapi";
import { compactJwt } from "./contracts.js";
import { rejectUnstorableText } from "./storable.js";

const Properties = z.record(z.string().max(128), z.unknown());
const typeName = z.string().min(1).max(128);
const entityId = z.string().min(1).max(1024);

export const AuthzenSubject = z
  .object({ type: typeName, id: entityId, properties: Properties.optional() })
  .openapi("AuthzenSubject", { example: { type: "user", id: "alice@acmecorp.com" } });
export const AuthzenResource = z
  .object({ type: typeName, id: entityId, properties: Properties.optional() })
  .openapi("AuthzenResource", { example: { type: "todo", id: "1", properties: { ownerID: "alice@acmecorp.com" } } });
export const AuthzenAction = z
  .object({ name: z.string().min(1).max(128), properties: Properties.optional() })
  .openapi("AuthzenAction", { example: { name: "can_read_todos" } });

/**
 * Environmental facts. PEA's own request fields may ride along: `chain` (on whose behalf, outermost
 * first), `intent`, `run`, `approval` (an approved approval for this request), `delegation` (a run
 * token or trusted IdP token proving the chain); `evidence` is logged and never evaluated. The rest is caller facts,
 * seen by policy (pruned to the schema's RequestFacts) as context.request.
 */
export const AuthzenContext = z
  .looseObject({
    chain: z
      .array(z.object({ type: typeName, id: entityId }))
      .max(16)
      .optional(),
    intent: z.string().min(1).max(128).optional(),
    run: z.string().min(1).max(128).optional(),
    approval: z
      .string()
      .regex(/^apr_[A-Za-z0-9]{1,64}$/, "an approval id such as apr_...")
      .optional(),
    evidence: Properties.optional(),
    /** Evidence of the chain's delegation: a PEA run token or a trusted IdP token (never seen by policy). */
    delegation: compactJwt.optional(),
  })
  .openapi("AuthzenContext");
export type AuthzenContext = z.infer<typeof AuthzenContext>;

/** A request of `shape` (unknown keys ignored) whose text the audit log can store. */
const storableRequest = <S extends z.ZodRawShape>(name: string, shape: S) =>
  z.object(shape).superRefine(rejectUnstorableText).openapi(name);

/** The AuthZEN 4-tuple: may this subject take this action on this resource, in this context? */
const tuple = {
  subject: AuthzenSubject,
  action: AuthzenAction,
  resource: AuthzenResource,
  context: AuthzenContext.optional(),
};

export const AuthzenEvaluationRequest = storableRequest("AuthzenEvaluationRequest", tuple);
export type AuthzenEvaluationRequest = z.infer<typeof AuthzenEvaluationRequest>;

export const AuthzenDecision = z.object({ decision: z.boolean() }).openapi("AuthzenDecision");
export type AuthzenDecision = z.infer<typeof AuthzenDecision>;

export const evaluationsSemantics = ["execute_all", "deny_on_first_deny", "permit_on_first_permit"] as const;
export const MAX_EVALUATIONS = 100;

const EvaluationItem = z.object({
  subject: AuthzenSubject.optional(),
  action: AuthzenAction.optional(),
  resource: AuthzenResource.optional(),
  context: AuthzenContext.optional(),
});

/** Top-level subject/action/resource/context are defaults each item may override (whole values). */
export const AuthzenEvaluationsRequest = z
  .object({
    subject: AuthzenSubject.optional(),
    action: AuthzenAction.optional(),
    resource: AuthzenResource.optional(),
    context: AuthzenContext.optional(),
    evaluations: z.array(EvaluationItem).max(MAX_EVALUATIONS).optional(),
    options: z.looseObject({ evaluations_semantic: z.enum(evaluationsSemantics).optional() }).optional(),
  })
  .superRefine((v, ctx) => {
    rejectUnstorableText(v, ctx);
    const items = v.evaluations;
    if (items === undefined) {
      for (const key of ["subject", "action", "resource"] as const) {
        if (v[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "Required" });
      }
      return;
    }
    for (const [i, item] of items.entries()) {
      for (const key of ["subject", "action", "resource"] as const) {
        if (item[key] === undefined && v[key] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["evaluations", i, key],
            message: `Required (here or as the top-level default)`,
          });
        }
      }
    }
  })
  .openapi("AuthzenEvaluationsRequest");
export type AuthzenEvaluationsRequest = z.infer<typeof AuthzenEvaluationsRequest>;

export const AuthzenEvaluationsResponse = z
  .object({ evaluations: z.array(AuthzenDecision).optional(), decision: z.boolean().optional() })
  .openapi("AuthzenEvaluationsResponse");

export const MAX_SEARCH_LIMIT = 1000;
export const DEFAULT_SEARCH_LIMIT = 100;

export const AuthzenPage = z
  .object({
    token: z.string().max(512).optional(),
    limit: z.number().int().min(0).max(MAX_SEARCH_LIMIT).optional(),
    properties: Properties.optional(),
  })
  .openapi("AuthzenPageRequest");

/** What a search looks for: entities of a type (an id, if given, is ignored). */
const SearchedEntity = z.object({ type: typeName, id: entityId.optional(), properties: Properties.optional() });
const page = AuthzenPage.optional();
const { action: _searched, ...tupleWithoutAction } = tuple;

// A search is the 4-tuple with one part searched for, and a page.
export const AuthzenSubjectSearchRequest = storableRequest("AuthzenSubjectSearchRequest", {
  ...tuple,
  subject: SearchedEntity,
  page,
});
export type AuthzenSubjectSearchRequest = z.infer<typeof AuthzenSubjectSearchRequest>;

export const AuthzenResourceSearchRequest = storableRequest("AuthzenResourceSearchRequest", {
  ...tuple,
  resource: SearchedEntity,
  page,
});
export type AuthzenResourceSearchRequest = z.infer<typeof AuthzenResourceSearchRequest>;

export const AuthzenActionSearchRequest = storableRequest("AuthzenActionSearchRequest", {
  ...tupleWithoutAction,
  page,
});
export type AuthzenActionSearchRequest = z.infer<typeof AuthzenActionSearchRequest>;

const PageResponse = z.object({ next_token: z.string() }).openapi("AuthzenPageResponse");

export const AuthzenEntitySearchResponse = z
  .object({ results: z.array(z.object({ type: z.string(), id: z.string() })), page: PageResponse.optional() })
  .openapi("AuthzenEntitySearchResponse");
export const AuthzenActionSearchResponse = z
  .object({ results: z.array(z.object({ name: z.string() })), page: PageResponse.optional() })
  .openapi("AuthzenActionSearchResponse");
export type AuthzenSearchResponse<T> = { results: T[]; page?: { next_token: string } };

export const AuthzenConfiguration = z
  .object({
    policy_decision_point: z.string(),
    access_evaluation_endpoint: z.string(),
    access_evaluations_endpoint: z.string(),
    search_subject_endpoint: z.string(),
    search_resource_endpoint: z.string(),
    search_action_endpoint: z.string(),
  })
  .openapi("AuthzenConfiguration");
