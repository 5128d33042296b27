import { z } from "@hono/zod-openapi";
import { describeRun, startRunAsSignedIn } from "@pea/policy-store";
import {
  ApprovalDecisionBody,
  ApprovalView,
  AuditPage,
  AuditQueryParams,
  parseTimeBound,
  Revocation,
  RevocationQuery,
  RevocationRequest,
  RunResponse,
  RunSupervision,
  RunView,
  StartRunRequest,
} from "@pea/schemas";
import type { AppDeps } from "../deps.js";
import { type AdminApi, actionRoute, IdParam, Loose } from "./kit.js";

/** Approvals, runs, the audit log and policy versions: what compliance watches and acts on. */
export function oversightRoutes(app: AdminApi, deps: AppDeps): void {
  const ov = deps.oversight;
  actionRoute(app, {
    method: "get",
    path: "/api/v1/approvals",
    tag: "approvals",
    summary: "The approvals queue",
    query: z.object({ status: z.enum(["pending", "approved", "rejected", "expired", "used"]).optional() }),
    response: z.object({ approvals: z.array(ApprovalView) }),
    work: async (who, { query }) => ({ approvals: await ov.listApprovals(who, query.status) }),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/approvals/{id}/decision",
    tag: "approvals",
    summary: "Approve or reject (with a reason); never the requester or anyone in its chain",
    params: IdParam,
    body: ApprovalDecisionBody,
    response: ApprovalView,
    work: (who, { params, body }) => ov.decideApproval(who, params.id, body.vote, body.reason),
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/runs",
    tag: "runs",
    summary: "Runs, newest first",
    query: z.object({ status: z.enum(["active", "paused", "cancelled", "completed"]).optional() }),
    response: z.object({ runs: z.array(RunView) }),
    work: async (who, { query }) => ({ runs: await ov.listRuns(who, { status: query.status }) }),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/runs",
    tag: "runs",
    summary:
      "Start a run for yourself (the signed-in person is its human; a chain naming anyone else is 403): answers the run token for the agent's enforcement point",
    body: StartRunRequest,
    status: 201,
    description: "the run, active, with its token",
    response: RunResponse,
    work: async (who, { body }) => {
      const { run, token, tokenExpiresAt } = await startRunAsSignedIn(deps.engine, body, who);
      return { ...describeRun(run), token, tokenExpiresAt: tokenExpiresAt.toISOString() };
    },
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/runs/{id}",
    tag: "runs",
    summary: "A run and its timeline (lineage from the audit log)",
    params: IdParam,
    response: z.object({ run: Loose.nullable(), lineage: Loose.optional() }),
    work: (who, { params }) => ov.runTimeline(who, params.id),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/runs/{id}/supervise",
    tag: "runs",
    summary: "Pause, resume or cancel a run: its next decision anywhere sees it",
    params: IdParam,
    body: RunSupervision,
    response: RunView,
    work: (who, { params, body }) => ov.superviseRun(who, params.id, body.action, body.reason),
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/audit",
    tag: "audit",
    summary: "Search the audit log (newest first) by time (ISO or 10m, 24h), principal, run, decision, reason, kind",
    query: AuditQueryParams,
    response: AuditPage,
    work: (who, { query }) => {
      const now = new Date();
      const since = query.since ? parseTimeBound(query.since, now) : undefined;
      const until = query.until ? parseTimeBound(query.until, now) : undefined;
      return ov.searchAudit(who, { ...query, since, until });
    },
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/overview",
    tag: "overview",
    summary: "What waits, what runs, who is over a wall, what was revoked, and decisions per hour (24 h)",
    response: Loose,
    work: (who) => ov.overview(who),
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/revocations",
    tag: "revocations",
    summary: "Revocations with their targets, newest first",
    query: RevocationQuery,
    response: z.object({ revocations: z.array(Revocation) }),
    work: async (who, { query }) => ({ revocations: await ov.listRevocations(who, query) }),
  });
  actionRoute(app, {
    method: "post",
    path: "/api/v1/revocations",
    tag: "revocations",
    summary: "Revoke an agent, run, intent, grant or artifact the store holds (400 naming target.id otherwise)",
    body: RevocationRequest,
    status: 201,
    response: Revocation,
    work: (who, { body }) => ov.revoke(who, body, deps.engine.trust),
  });
  actionRoute(app, {
    method: "get",
    path: "/api/v1/policies",
    tag: "policies",
    summary: "Policy versions: the one this process evaluates, published versions, activation history",
    response: Loose,
    work: async (who) => ({ loadedVersion: deps.engine.policyVersion, ...(await ov.policyVersions(who)) }),
  });
}
