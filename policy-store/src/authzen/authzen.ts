import { createHash } from "node:crypto";
import {
  type AuthorizeRequest,
  type AuthorizeResponse,
  type AuthzenActionSearchRequest,
  type AuthzenContext,
  type AuthzenDecision,
  type AuthzenEvaluationRequest,
  type AuthzenEvaluationsRequest,
  type AuthzenResourceSearchRequest,
  type AuthzenSearchResponse,
  type AuthzenSubjectSearchRequest,
  DEFAULT_SEARCH_LIMIT,
  type ErrorCode,
  PeaError,
} from "@pea/schemas";
import { type AuthorizeDeps, authorize, observeDecision } from "../decision/authorize.js";
import { deny } from "../decision/decision.js";
import type { DecisionInputs, Evaluation } from "../decision/inputs.js";
import { type Caller, decisionRecord, evaluate, evaluatedPart, evaluateFor } from "../decision/pipeline.js";
import { newDecisionId } from "../decision/random-ids.js";

/**
 * OpenID AuthZEN Authorization API 1.0 over PEA's model. An AuthZEN subject is PEA's principal;
 * PEA's chain, intent and run may ride in `context`. Every evaluation is an ordinary PEA decision
 * (same policies, store, fail-closed rules, decision log); the answers carry only what the spec
 * defines, so PEA's reasons stay in the log.
 */

/** A request AuthZEN allows but PEA cannot read (e.g. a page token from elsewhere): a 400. */
export class AuthzenRequestError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

/** What each decision came to, for the caller's metrics. */
export interface AuthzenOutcome {
  decision: "allow" | "deny";
  reason: string;
}

export interface AuthzenAnswer<T> {
  body: T;
  outcomes: AuthzenOutcome[];
}

type Tuple = Pick<AuthzenEvaluationRequest, "subject" | "action" | "resource" | "context">;

/** The PEA request an AuthZEN 4-tuple stands for. Subject properties are ignored: subjects come from the store. */
export function toPeaRequest({ subject, action, resource, context }: Tuple): AuthorizeRequest {
  const { chain, intent, run, approval, evidence, delegation, ...facts } = (context ?? {}) as AuthzenContext;
  return {
    principal: { type: subject.type, id: subject.id },
    chain: chain ?? [],
    ...(intent !== undefined ? { intent } : {}),
    ...(run !== undefined ? { run } : {}),
    ...(approval !== undefined ? { approval } : {}),
    action: action.name,
    resource: {
      type: resource.type,
      id: resource.id,
      ...(resource.properties !== undefined ? { attributes: resource.properties } : {}),
    },
    context: facts,
    ...(evidence !== undefined ? { evidence } : {}),
    ...(delegation !== undefined ? { delegation: { token: delegation } } : {}),
  };
}

const outcomeOf = (r: Pick<AuthorizeResponse, "decision" | "reasons">): AuthzenOutcome => ({
  decision: r.decision,
  reason: r.reasons[0]?.code ?? "none",
});

/** POST /access/v1/evaluation */
export async function authzenEvaluate(
  request: AuthzenEvaluationRequest,
  caller: Caller,
  deps: AuthorizeDeps,
): Promise<AuthzenAnswer<AuthzenDecision>> {
  const response = await authorize(toPeaRequest(request), caller, deps, "authzen:evaluation");
  return { body: { decision: response.decision === "allow" }, outcomes: [outcomeOf(response)] };
}

/** POST /access/v1/evaluations: top-level values are defaults; items override them whole. */
export async function authzenEvaluations(
  request: AuthzenEvaluationsRequest,
  caller: Caller,
  deps: AuthorizeDeps,
): Promise<AuthzenAnswer<{ evaluations: AuthzenDecision[] } | AuthzenDecision>> {
  const tuple = (item: Partial<Tuple>): Tuple => {
    const subject = item.subject ?? request.subject;
    const action = item.action ?? request.action;
    const resource = item.resource ?? request.resource;
    // The contract has already checked this; never evaluate a half-specified request.
    if (!subject || !action || !resource) throw new AuthzenRequestError("subject, action and resource are required");
    const context = item.context ?? request.context;
    return { subject, action, resource, ...(context !== undefined ? { context } : {}) };
  };
  if (request.evaluations === undefined) return authzenEvaluate(tuple({}), caller, deps);

  const items = request.evaluations.map(tuple);
  const semantic = request.options?.evaluations_semantic ?? "execute_all";
  let responses: AuthorizeResponse[];
  if (semantic === "execute_all") {
    responses = await Promise.all(
      items.map((item) => authorize(toPeaRequest(item), caller, deps, "authzen:evaluations")),
    );
  } else {
    // Short-circuit: evaluate in order and stop after the first deny (or permit), which is answered.
    responses = [];
    const stopOn = semantic === "deny_on_first_deny" ? "deny" : "allow";
    for (const item of items) {
      const response = await authorize(toPeaRequest(item), caller, deps, "authzen:evaluations");
      responses.push(response);
      if (response.decision === stopOn) break;
    }
  }
  return {
    body: { evaluations: responses.map((r) => ({ decision: r.decision === "allow" })) },
    outcomes: responses.map(outcomeOf),
  };
}

interface Candidate<R> {
  /** Sort key and cursor: candidates are visited in increasing key order. */
  key: string;
  request: AuthorizeRequest;
  result: R;
}

interface Page {
  token?: string | undefined;
  limit?: number | undefined;
}

/**
 * Evaluate candidates in key order, from the page cursor on, until `limit` are allowed. Each
 * evaluation is decided and recorded like any PEA decision; a candidate is returned only once its
 * allow is durable. Search is side-effect free otherwise (no approvals requested, no artifacts).
 */
async function search<R>(
  kind: string,
  query: unknown,
  page: Page | undefined,
  candidates: (inputs: DecisionInputs) => Candidate<R>[],
  failRequest: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
): Promise<AuthzenAnswer<AuthzenSearchResponse<R>>> {
  const { engine, log } = deps;
  const queryHash = createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 12);
  let after: string | undefined;
  if (page?.token) {
    try {
      const decoded = JSON.parse(Buffer.from(page.token, "base64url").toString("utf8")) as { a?: unknown; q?: unknown };
      if (typeof decoded.a !== "string" || decoded.q !== queryHash) throw new Error("foreign token");
      after = decoded.a;
    } catch {
      throw new AuthzenRequestError("page.token: not a token issued for this search");
    }
  }
  const limit = page?.limit ?? DEFAULT_SEARCH_LIMIT;
  const answer = (results: R[], nextKey: string | undefined, outcomes: AuthzenOutcome[]) => {
    const body: AuthzenSearchResponse<R> = { results };
    const next_token =
      nextKey === undefined ? "" : Buffer.from(JSON.stringify({ a: nextKey, q: queryHash })).toString("base64url");
    if (page !== undefined || next_token !== "") body.page = { next_token };
    return { body, outcomes };
  };

  const via = `authzen:${kind}`;
  // Recorded like every decision, and told to metrics once recorded (or refused).
  const record = async (request: AuthorizeRequest, evaluation: Evaluation, started: number) => {
    const id = newDecisionId();
    try {
      await log.record(decisionRecord(id, request, evaluation.outcome, evaluation, caller, { via }));
      observeDecision(deps, via, id, evaluation.outcome, started);
    } catch (error) {
      observeDecision(deps, via, id, deny("audit_unavailable"), started);
      throw error;
    }
  };

  const inputs = engine.inputs();
  if ("decision" in inputs) {
    // Nothing can be verified: nothing is found. The refusal is recorded like any deny.
    const started = performance.now();
    const refused = await evaluate(engine, evaluatedPart(failRequest));
    await record(failRequest, refused, started).catch(() => {});
    return answer([], undefined, [{ decision: "deny", reason: refused.outcome.reasons[0]?.code ?? "none" }]);
  }
  const all = candidates(inputs).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = after === undefined ? 0 : all.findIndex((c) => c.key > after);
  const pending: Array<Promise<R | undefined>> = [];
  const outcomes: AuthzenOutcome[] = [];
  let allowed = 0;
  let index = start < 0 ? all.length : start;
  for (; index < all.length && allowed < limit; index++) {
    const candidate = all[index] as Candidate<R>;
    // The same checks as an evaluation (runs, history, revocations), so that every result found
    // evaluates to true; but no side effects: no approval is opened, nothing is touched or signed.
    const started = performance.now();
    const evaluation = await evaluateFor(engine, candidate.request, caller);
    const { outcome } = evaluation;
    outcomes.push({ decision: outcome.decision, reason: outcome.reasons[0]?.code ?? "none" });
    if (outcome.decision === "allow") allowed++;
    pending.push(
      record(candidate.request, evaluation, started).then(
        () => (outcome.decision === "allow" ? candidate.result : undefined),
        () => undefined, // an allow that could not be recorded is not an allow
      ),
    );
  }
  const results = (await Promise.all(pending)).filter((r): r is Awaited<R> => r !== undefined) as R[];
  // The cursor is the last key visited ("" before the first): robust to entities added meanwhile.
  const nextKey = index < all.length ? (index > 0 ? (all[index - 1]?.key ?? "") : "") : undefined;
  return answer(results, nextKey, outcomes);
}

const contextOf = (context: AuthzenContext | undefined) => (context !== undefined ? { context } : {});

/**
 * Subject or resource search: each stored entity of the searched type, put in the searched `role`
 * of the probe, is one candidate (none when the schema says the type cannot stand there).
 */
function searchEntities(
  role: "subject" | "resource",
  request: AuthzenSubjectSearchRequest | AuthzenResourceSearchRequest,
  probe: Tuple,
  typeCanStandThere: (inputs: DecisionInputs) => boolean,
  caller: Caller,
  deps: AuthorizeDeps,
) {
  const { type } = request[role];
  const candidates = (inputs: DecisionInputs) =>
    !typeCanStandThere(inputs)
      ? []
      : inputs.snapshot.ofType(type).map((entity) => {
          const id = (entity.uid as { id: string }).id;
          return { key: id, request: toPeaRequest({ ...probe, [role]: { type, id } }), result: { type, id } };
        });
  const { page, ...query } = { ...request, [role]: { type } };
  return search(`search/${role}`, query, page, candidates, toPeaRequest(probe), caller, deps);
}

/** POST /access/v1/search/subject: every stored subject of the type for whom the evaluation is true. */
export function authzenSearchSubjects(request: AuthzenSubjectSearchRequest, caller: Caller, deps: AuthorizeDeps) {
  const { subject, action, resource, context } = request;
  const probe = { subject: { type: subject.type, id: subject.id ?? "*" }, action, resource, ...contextOf(context) };
  const principalType = (inputs: DecisionInputs) => inputs.schema.principalTypes.has(subject.type);
  return searchEntities("subject", request, probe, principalType, caller, deps);
}

/** POST /access/v1/search/resource: every stored resource of the type the subject may act on. */
export function authzenSearchResources(request: AuthzenResourceSearchRequest, caller: Caller, deps: AuthorizeDeps) {
  const { subject, action, resource, context } = request;
  const probe = { subject, action, resource: { type: resource.type, id: resource.id ?? "*" }, ...contextOf(context) };
  const actionApplies = (inputs: DecisionInputs) => inputs.schema.actions.get(action.name)?.has(resource.type) === true;
  return searchEntities("resource", request, probe, actionApplies, caller, deps);
}

/** POST /access/v1/search/action: every action of the schema the subject may take on the resource. */
export function authzenSearchActions(request: AuthzenActionSearchRequest, caller: Caller, deps: AuthorizeDeps) {
  const { subject, resource, context, page } = request;
  const probe = { subject, action: { name: "*" }, resource, ...contextOf(context) };
  const candidates = (inputs: DecisionInputs) =>
    [...inputs.schema.actions]
      .filter(
        ([name, resourceTypes]) =>
          resourceTypes.has(resource.type) && inputs.schema.actionPrincipals.get(name)?.has(subject.type),
      )
      .map(([name]) => ({
        key: name,
        request: toPeaRequest({ ...probe, action: { name } }),
        result: { name },
      }));
  const { page: _page, ...query } = request;
  return search("search/action", query, page, candidates, toPeaRequest(probe), caller, deps);
}
