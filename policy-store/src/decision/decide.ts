import type { Obligation } from "@pea/schemas";
import type { EntityJson } from "../cedar/cedar.js";
import { evaluateLink, type LinkCall, uniqueEntities } from "../cedar/evaluate.js";
import { pruneAncestors } from "../cedar/prune-ancestors.js";
import { conformToAttributes } from "../cedar/schema.js";
import { pruneToShape } from "../cedar/slices.js";
import { capabilityOf } from "../engine/snapshot.js";
import { crossingsContext, emptyHistory, historyContext } from "../governance/history.js";
import type { LoadedPolicySet } from "../policy/types.js";
import { matchesRun, runIsLive } from "../trust/runs.js";
import { approvalRequired, waiveForApproval } from "./approval-rules.js";
import { type ApprovalNeed, type Decision, type DecisionRequest, deny, forbidden, linkName } from "./decision.js";
import type { DecisionFacts, DecisionInputs } from "./inputs.js";

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
  const actionUid = { type: "Action", id: request.action };
  const actionEntity: EntityJson[] = actionGroups
    ? [
        {
          uid: actionUid,
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
    const conflict = snapshot.conflictHeldBy(linkEntities[depth] as EntityJson);
    if (conflict) {
      return deny(
        "sod",
        `${linkName(link)} holds both Group::${conflict.a} and Group::${conflict.b}, which separation of duties keeps apart`,
        { link: linkName(link) },
      );
    }

    // Made only when Cedar is asked: an answer from the cache needs none of it.
    // Without the schema: Cedar would then parse the context against it and insist on every
    // declared attribute, which is exactly what the slice leaves out. PEA checked what the schema
    // would (the action applies to both types, the caller's facts conform) before this point;
    // entity attributes are in explicit JSON form (snapshot.ts).
    const linkCall = (policySetId: string): LinkCall => ({
      principal: link,
      action: request.action,
      resource: { type: request.resource.type, id: request.resource.id },
      context,
      policySetId,
      entities: pruneAncestors(
        uniqueEntities(
          snapshot.forEvaluation(linkEntities[depth] as EntityJson),
          resourceEntities,
          intent ? [intent] : [],
          actionEntity,
        ),
        slice.namedEntities,
        [link, actionUid, request.resource],
        context,
      ),
    });
    const cache = inputs.linkCache?.enabled ? inputs.linkCache : undefined;
    // Everything the call is made of that is not fixed by the slice and entitlement version.
    const key = cache
      ? JSON.stringify([
          // The version too: preparsed ids are reused once a version is no longer served (preparsed-slots.ts).
          policies.version,
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
      answer = evaluateLink(linkCall(slice.preparsedId));
      if (cache && answer.effect !== "error") cache.set(key, answer);
    }
    if (answer.effect === "error") {
      return deny("evaluation_error", answer.message, { link: linkLabel, policy: answer.policy });
    }
    if (answer.effect === "deny") {
      if (answer.policies.length === 0) return deny("not_permitted", undefined, { link: linkLabel });
      const waived = waiveForApproval(answer.policies, policies, linkLabel, slice.approvalWaivedId, (setId) =>
        evaluateLink(linkCall(setId)),
      );
      if (waived && "need" in waived) {
        awaiting.push(waived.need);
        determining.push(...waived.permits);
        continue;
      }
      if (waived) return deny("not_permitted", undefined, { link: linkLabel });
      return forbidden(answer.policies, policies, linkLabel);
    }
    determining.push(...answer.policies);
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
