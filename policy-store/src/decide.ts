import type { EntityRef, Obligation, Reason, ReasonCode } from "@pea/schemas";
import { type ApprovalNeed, approvalRequired, waiveForApproval } from "./approval-rules.js";
import { cedar, type EntityJson } from "./cedar.js";
import { conformToAttributes, type SchemaInfo } from "./cedar-schema.js";
import { crossingsContext, emptyHistory, type HistoryFacts, historyContext } from "./history.js";
import type { LinkDecisionCache } from "./link-cache.js";
import type { LoadedPolicySet } from "./policies.js";
import { pruneToShape } from "./policy-slices.js";
import { matchesRun, type Run, runIsLive } from "./runs.js";
import { capabilityOf, entityKey, type Snapshot } from "./snapshot.js";

/**
 * What policy evaluation may see. There is deliberately no `evidence` here: model-derived signals
 * are logged beside the decision, and the type system keeps them out of this function.
 */
export interface DecisionRequest {
  principal: EntityRef;
  chain: EntityRef[];
  intent?: string | undefined;
  run?: string | undefined;
  action: string;
  resource: { type: string; id: string; attributes?: Record<string, unknown> | undefined };
  context: Record<string, unknown>;
}

export interface DecisionInputs {
  schema: SchemaInfo;
  policies: LoadedPolicySet;
  snapshot: Snapshot;
  /** The firm's own e-mail domains: anything else is outside the firm. */
  firmDomains: readonly string[];
  /** Answers for links already decided with exactly these inputs (link-cache.ts); none: always evaluate. */
  linkCache?: LinkDecisionCache | undefined;
  /** What PEA knows about this request from its own records (runs.ts, history.ts); never from the caller. */
  facts?: DecisionFacts | undefined;
}

/** Per-request facts PEA looked up before deciding; decide() stays pure by taking them as input. */
export interface DecisionFacts {
  /** The decision time (the engine's clock). */
  now: Date;
  /** The run the request names: null when no such run exists; undefined when none is named. */
  run?: Run | null | undefined;
  /** What this run, its agents and its human touched, and the duties done on the object (history.ts). */
  history?: HistoryFacts | undefined;
  /** Issuers the request's human holds an active wall crossing for (trust.ts). */
  crossings?: ReadonlySet<string> | undefined;
}

export interface Decision {
  decision: "allow" | "deny";
  reasons: Reason[];
  obligations: Obligation[];
  /** Policies that decided: the permits behind an allow, the forbids behind a deny (for the log). */
  determiningPolicies: string[];
  /** Set on a deny that only approval rules stand behind: what a human approval must satisfy. */
  approval?: ApprovalNeed | undefined;
}

const defaultMessages: Record<ReasonCode, string> = {
  policy_denied: "a policy forbids this action",
  not_permitted: "no policy permits this action",
  intent_scope: "the action lies outside the delegated task",
  delegation_invalid: "this link may not be handed the work by the previous one",
  barrier: "an information barrier forbids this action",
  sod: "separation of duties forbids this action",
  approval_required: "this action needs a human approval",
  run_inactive: "the run is not active",
  run_mismatch: "the request does not match its run",
  principal_revoked: "the actor is suspended or revoked",
  unknown_entity: "an entity named in the request is not known",
  invalid_request: "the request cannot be evaluated",
  store_unavailable: "the entitlement store is unavailable",
  evaluation_error: "policy evaluation failed",
  audit_unavailable: "the decision could not be recorded",
  object_mismatch: "the request describes a business object differently from what PEA recorded",
};

// Cedar reports the forbids that denied in no set order. PEA names them in a fixed one: first who
// may act at all, then what the task allows, then the rules about the data and the duties.
const precedence: readonly ReasonCode[] = [
  "principal_revoked",
  "delegation_invalid",
  "intent_scope",
  "run_inactive",
  "run_mismatch",
  "barrier",
  "sod",
  "approval_required",
  "policy_denied",
];
const rank = (code: ReasonCode) => {
  const at = precedence.indexOf(code);
  return at < 0 ? precedence.length : at;
};
const byPrecedence = (a: Reason, b: Reason) =>
  rank(a.code) - rank(b.code) ||
  ((a.policy ?? "") < (b.policy ?? "") ? -1 : (a.policy ?? "") > (b.policy ?? "") ? 1 : 0);

export const linkName = (ref: { type: string; id: string }) => `${ref.type}::${ref.id}`;

export function deny(code: ReasonCode, message?: string, extra: Partial<Reason> = {}): Decision {
  return {
    decision: "deny",
    reasons: [{ code, message: message ?? defaultMessages[code], ...extra }],
    obligations: [],
    determiningPolicies: [],
  };
}

/**
 * Decide one request. Every link of the delegation chain, outermost first and then the principal,
 * is evaluated as a principal of its own; the first link denied decides, and is named.
 */
export function decide(request: DecisionRequest, inputs: DecisionInputs): Decision {
  const { schema, policies, snapshot } = inputs;

  const resourceTypes = schema.actions.get(request.action);
  if (!resourceTypes) return deny("unknown_entity", `action ${request.action} is not defined`);
  if (!resourceTypes.has(request.resource.type)) {
    return deny("invalid_request", `action ${request.action} does not apply to ${request.resource.type}`);
  }

  const links = [...request.chain, request.principal];
  const linkEntities: EntityJson[] = [];
  for (const link of links) {
    // A link is a principal type of the schema (User, Agent; a pack's own, e.g. AuthZEN's "user"), known to the store.
    const entity = schema.principalTypes.has(link.type) ? snapshot.get(link.type, link.id) : undefined;
    if (!entity)
      return deny("unknown_entity", `${linkName(link)} is not a known user or agent`, { link: linkName(link) });
    linkEntities.push(entity);
  }

  let intent: EntityJson | undefined;
  if (request.intent !== undefined) {
    intent = snapshot.get("Intent", request.intent);
    if (!intent) return deny("unknown_entity", `intent ${request.intent} is not known`);
  }

  const runCheck = checkRun(request, inputs.facts);
  if (runCheck) return runCheck;

  const resolved = resolveResource(request.resource, inputs);
  if ("denied" in resolved) return resolved.denied;
  const resource = resolved.entity;

  const facts = conformToAttributes(request.context, schema.requestFacts, "context");
  if (!facts.ok) return deny("invalid_request", `${facts.field} must be ${facts.expected}`);

  const capability = capabilityOf(request.action, request.resource.type);
  const run = inputs.facts?.run;
  const runContext = run ? { id: run.id, ...(run.purpose !== null ? { purpose: run.purpose } : {}) } : undefined;
  // Without looked-up facts (a caller of decide() that skipped lookupFacts) history is empty.
  const known = inputs.facts?.history ?? emptyHistory();
  let history: Record<string, unknown> | undefined;
  const crossings = crossingsContext(inputs.facts?.crossings ?? new Set());
  const outermost = links[0];
  const determining: string[] = [];
  // Approval rules (forbids annotated @approval) that stood between a link and an allow.
  const awaiting: ApprovalNeed[] = [];
  const declared = schema.actionContext.get(request.action);
  const resourceEntities = snapshot.forEvaluation(resource);
  const actionGroups = schema.actionAncestors.get(request.action);
  const actionEntity: EntityJson[] = actionGroups
    ? [
        {
          uid: { type: "Action", id: request.action },
          attrs: {},
          parents: [...actionGroups].map((id) => ({ type: "Action", id })),
        },
      ]
    : [];

  for (const [depth, link] of links.entries()) {
    const linkLabel = linkName(link);
    // The policies that can apply to this link, and the context they read (policy-slices.ts).
    const slice = policies.slice(link.type, request.action, request.resource.type);
    if (!slice) {
      return deny("invalid_request", `action ${request.action} does not apply to principal type ${link.type}`, {
        link: linkLabel,
      });
    }
    const previous = depth > 0 ? links[depth - 1] : undefined;
    const full: Record<string, unknown> = { request: facts.value, capability, depth, crossings };
    if (slice.context !== undefined && (slice.context === true || slice.context.has("history"))) {
      history ??= historyContext(known);
      full.history = history;
    }
    if (request.intent !== undefined) full.intent = { __entity: { type: "Intent", id: request.intent } };
    if (previous) {
      full[previous.type === "User" ? "delegatorUser" : "delegatorAgent"] = { __entity: previous };
    }
    if (outermost?.type === "User") full.onBehalfOf = { __entity: outermost };
    if (runContext) full.run = runContext;
    // Policies see what the action's schema declares: a pack's schema may declare less than PEA offers.
    if (declared) for (const key of Object.keys(full)) if (!declared.has(key)) delete full[key];
    const context = pruneToShape(full, slice.context);

    // Static separation of duties: a link holding two conflicting groups (the store was changed
    // behind PEA's back; every assignment path refuses it) is denied.
    const conflict = heldConflict(snapshot, linkEntities[depth] as EntityJson);
    if (conflict) {
      return deny(
        "sod",
        `${linkName(link)} holds both Group::${conflict.a} and Group::${conflict.b}, which separation of duties keeps apart`,
        { link: linkName(link) },
      );
    }

    const entities = mergeEntities(
      snapshot.forEvaluation(linkEntities[depth] as EntityJson),
      resourceEntities,
      intent ? [intent] : [],
      actionEntity,
    );
    // Without the schema: Cedar would then parse the context against it and insist on every
    // declared attribute, which is exactly what the slice leaves out. PEA checked what the schema
    // would (the action applies to both types, the caller's facts conform) before this point;
    // entity attributes are in explicit JSON form (snapshot.ts).
    const call = {
      principal: link,
      action: { type: "Action", id: request.action },
      resource: { type: request.resource.type, id: request.resource.id },
      context: context as Record<string, never>,
      preparsedPolicySetId: slice.preparsedId,
      entities,
    };
    const cache = inputs.linkCache?.enabled ? inputs.linkCache : undefined;
    // Everything the call is made of that is not fixed by the slice and entitlement version.
    const key = cache
      ? JSON.stringify([
          slice.preparsedId,
          snapshot.version,
          link.type,
          link.id,
          request.action,
          request.resource.type,
          request.resource.id,
          request.intent ?? null,
          resolved.stored ? null : resource.attrs,
          context,
        ])
      : "";
    let answer = cache?.get(key);
    if (!answer) {
      answer = cedar.statefulIsAuthorized(call);
      if (cache && answer.type === "success") cache.set(key, answer);
    }
    if (answer.type === "failure") {
      return deny("evaluation_error", answer.errors.map((e) => e.message).join("; "), { link: linkLabel });
    }
    const { decision, diagnostics } = answer.response;
    // Cedar skips a policy whose evaluation errors, so an erroring forbid could otherwise let an
    // allow through. Any error at all is a deny.
    if (diagnostics.errors.length > 0) {
      const first = diagnostics.errors[0];
      return deny("evaluation_error", first?.error.message, { link: linkLabel, policy: first?.policyId });
    }
    if (decision === "deny") {
      if (diagnostics.reason.length === 0) return deny("not_permitted", undefined, { link: linkLabel });
      const waived = waiveForApproval(diagnostics.reason, policies, linkLabel, slice.approvalWaivedId, (setId) =>
        cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: setId }),
      );
      if (waived && "need" in waived) {
        awaiting.push(waived.need);
        determining.push(...waived.permits);
        continue;
      }
      if (waived) return deny("not_permitted", undefined, { link: linkLabel });
      return {
        decision: "deny",
        reasons: diagnostics.reason
          .map((id) => {
            const info = policies.policies.get(id);
            const code = info?.reason ?? "policy_denied";
            return { code, message: info?.message ?? defaultMessages[code], policy: id, link: linkLabel };
          })
          .sort(byPrecedence),
        obligations: [],
        determiningPolicies: diagnostics.reason,
      };
    }
    determining.push(...diagnostics.reason);
  }
  if (awaiting.length > 0) return approvalRequired(awaiting, policies, [...new Set(determining)]);
  const permits = [...new Set(determining)];
  return {
    decision: "allow",
    reasons: [],
    obligations: policyObligations(permits, policies),
    determiningPolicies: permits,
  };
}

/**
 * A permit annotated @obligation("review") attaches that obligation to the allows it decides
 * (e.g. healthcare break-glass: allowed, and flagged for review). Each type once.
 */
function policyObligations(permits: string[], policies: LoadedPolicySet): Obligation[] {
  const out: Obligation[] = [];
  for (const id of permits) {
    const type = policies.policies.get(id)?.annotations.obligation;
    if (type && !out.some((o) => o.type === type)) out.push({ type, policy: id });
  }
  return out;
}

/** A request naming a run must match it, and the run must be live. Fail-closed when unknown. */
function checkRun(request: DecisionRequest, facts: DecisionFacts | undefined): Decision | undefined {
  if (request.run === undefined) return undefined;
  const run = facts?.run;
  if (!facts || run === undefined) return deny("run_inactive", `the state of run ${request.run} is not known`);
  if (run === null) return deny("unknown_entity", `run ${request.run} is not known`);
  if (!matchesRun(run, request)) {
    return deny("run_mismatch", `the request's principal, chain and intent must be those of run ${run.id}`);
  }
  if (!runIsLive(run, facts.now)) {
    const why = run.status === "active" ? "expired" : run.status;
    return deny("run_inactive", `run ${run.id} is ${why}`);
  }
  return undefined;
}

function heldConflict(snapshot: Snapshot, entity: EntityJson): { a: string; b: string } | undefined {
  if (snapshot.sodConflicts.length === 0) return undefined;
  const groups = new Set<string>();
  for (const e of snapshot.closure(entity)) {
    const uid = e.uid as { type: string; id: string };
    if (uid.type === "Group") groups.add(uid.id);
  }
  return snapshot.sodConflicts.find((c) => groups.has(c.a) && groups.has(c.b));
}

function resolveResource(
  resource: DecisionRequest["resource"],
  { schema, snapshot, firmDomains }: DecisionInputs,
): { entity: EntityJson; stored?: true } | { denied: Decision } {
  // Registered resources carry governance attributes from the store; the caller's never override them.
  const stored = snapshot.get(resource.type, resource.id);
  if (stored) return { entity: stored, stored: true };
  const uid = { type: resource.type, id: resource.id };
  const info = schema.entityTypes.get(resource.type);
  switch (info?.source) {
    case "caller": {
      const attrs = conformToAttributes(resource.attributes ?? {}, info.attributes, "resource.attributes");
      if (!attrs.ok) return { denied: deny("invalid_request", `${attrs.field} must be ${attrs.expected}`) };
      return { entity: { uid, attrs: attrs.value as EntityJson["attrs"], parents: [] } };
    }
    case "email": {
      const at = resource.id.lastIndexOf("@");
      const domain = resource.id.slice(at + 1).toLowerCase();
      if (at <= 0 || domain.length === 0) {
        return { denied: deny("invalid_request", "resource.id must be an e-mail address") };
      }
      const internal = firmDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
      return { entity: { uid, attrs: { domain, external: !internal }, parents: [] } };
    }
    default:
      return { denied: deny("unknown_entity", `${linkName(resource)} is not a registered resource`) };
  }
}

function mergeEntities(...groups: EntityJson[][]): EntityJson[] {
  if (groups.length === 1) return groups[0] ?? [];
  const seen = new Set<string>();
  const out: EntityJson[] = [];
  for (const group of groups) {
    for (const entity of group) {
      const uid = entity.uid as { type: string; id: string };
      const key = entityKey(uid.type, uid.id);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(entity);
    }
  }
  return out;
}
