import { AsyncLocalStorage } from "node:async_hooks";
import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";
import { type AuthorizeDeps, type DecisionEvent, observeDecision } from "./authorize.js";
import { deny } from "./decision.js";
import { type Caller, decisionRecord, newDecisionId } from "./pipeline.js";

/**
 * Every decision is answered within its deadline (EngineOptions.decisionDeadlineMs): a store that
 * stalls (a paused server, a lock held elsewhere, an embedded store busy with another process) must
 * not hang the caller. Past the deadline the answer is deny `store_unavailable`; the work still
 * running is abandoned, and the audit log will not write its record once the deadline has passed
 * (DecisionLog reads `decisionInProgress()`), so the log never holds an allow nobody was answered.
 */
interface DecisionInProgress {
  /** Date.now() after which its record must not be written. */
  expiresAt: number;
  /** The id of the record it handed to the log, if it got that far (the late deny reuses it). */
  recordId?: string;
  /** Set once the deadline has answered for it. */
  answered: boolean;
}

const inProgress = new AsyncLocalStorage<DecisionInProgress>();

/** The decision running in this async context, if any (the audit log checks its deadline). */
export const decisionInProgress = (): DecisionInProgress | undefined => inProgress.getStore();

/** A record the log refused to write because its decision's deadline had passed. */
export class DeadlinePassed extends Error {
  constructor() {
    super("the decision's deadline passed before its record could be written");
  }
}

/**
 * Answer `decide(deps)` or, if it has not answered within the deadline, deny `store_unavailable`. The
 * late deny is observed (metrics count it as fail-closed) and recorded in the background: written
 * once the log can be written again, under the id of the abandoned decision's record when it had one.
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
  const progress: DecisionInProgress = { expiresAt: Date.now() + ms, answered: false };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      progress.answered = true;
      // Outside this decision's context: the deny's own record has no deadline.
      inProgress.exit(() => resolve(lateDeny(request, caller, deps, via, ms, progress.recordId, started)));
    }, ms);
    timer.unref();
    // The abandoned work is not observed: its caller was answered (and counted) by the deadline.
    const observe = (event: DecisionEvent) => {
      if (!progress.answered) deps.observe?.(event);
    };
    inProgress
      .run(progress, () => decide({ ...deps, observe }))
      .then(
        (answer) => {
          clearTimeout(timer);
          if (!progress.answered) resolve(answer);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!progress.answered) reject(error);
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
