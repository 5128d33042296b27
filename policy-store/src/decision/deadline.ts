import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import type { DecisionRecord } from "../audit/decision-log.js";
import { type AuthorizeDeps, type DecisionEvent, observeDecision } from "./authorize-deps.js";
import { deny } from "./decision.js";
import { type Caller, decisionRecord } from "./pipeline.js";
import { newDecisionId } from "./random-ids.js";

/**
 * Every decision is answered within its deadline (EngineOptions.decisionDeadlineMs): a store that
 * stalls (a paused server, a lock held elsewhere, an embedded store busy with another process) must
 * not hang the caller. Past the deadline the answer is deny `store_unavailable`; the work still
 * running is abandoned, and the audit log does not write its record once the deadline has passed,
 * so the log holds no allow nobody was answered (one exception: a write already sent to a store
 * that then pauses commits when it resumes; the late deny, under the same id, follows it).
 */

/**
 * Answer `decide(deps)` or, if it has not answered within the deadline, deny `store_unavailable`.
 * `decide` is given deps whose log carries the deadline to each record. The late deny is observed
 * (metrics count it as fail-closed) and recorded in the background: written once the log can be
 * written again, under the id of the abandoned decision's record when it had one.
 */
export function answerWithinDeadline(
  request: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
  via: string,
  decide: (deps: AuthorizeDeps) => Promise<AuthorizeResponse>,
): Promise<AuthorizeResponse> {
  const ms = deps.engine.decisionDeadlineMs;
  const started = performance.now();
  const expiresAt = Date.now() + ms;
  let answered = false;
  // The id of the record the decision handed to the log, if it got that far.
  let recordId: string | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      answered = true;
      resolve(lateDeny(request, caller, deps, via, ms, recordId, started));
    }, ms);
    timer.unref();
    const { log, observe } = deps;
    const within: AuthorizeDeps = {
      ...deps,
      log: {
        record: (record: DecisionRecord) => {
          recordId = record.id;
          return log.record(record, { expiresAt });
        },
      },
      // The abandoned work is not observed: its caller was answered (and counted) by the deadline.
      observe: (event: DecisionEvent) => {
        if (!answered) observe?.(event);
      },
    };
    decide(within).then(
      (answer) => {
        clearTimeout(timer);
        if (!answered) resolve(answer);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!answered) reject(error);
      },
    );
  });
}

function lateDeny(
  request: AuthorizeRequest,
  caller: Caller,
  deps: AuthorizeDeps,
  via: string,
  ms: number,
  recordId: string | undefined,
  started: number,
): AuthorizeResponse {
  const { engine, log } = deps;
  const decisionId = recordId ?? newDecisionId();
  const outcome = deny("store_unavailable", `no answer from the store within the decision deadline (${ms} ms)`);
  const versions = { policyVersion: engine.policyVersion, entitlementVersion: engine.entitlementVersion };
  // Not awaited: written when the log can be written; if it never can, the deny is still counted (observe).
  log.record(decisionRecord(decisionId, request, outcome, versions, caller)).catch(() => {});
  observeDecision(deps, via, decisionId, outcome, started);
  return { decision: "deny", decisionId, reasons: outcome.reasons, obligations: [], ...versions };
}
