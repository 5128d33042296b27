import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import {
  describeRun,
  getApproval,
  listApprovals,
  listRevocations,
  redeemArtifact,
  revoke,
  superviseRun,
  voteOnApproval,
} from "@pea/policy-store";
import {
  Approval,
  ApprovalRejectRequest,
  ApprovalVoteRequest,
  approvalStatusValues,
  Jwks,
  PeaError,
  RedeemRequest,
  RedeemResponse,
  Revocation,
  RevocationQuery,
  RevocationRequest,
  RunResponse,
  SuperviseRunRequest,
} from "@pea/schemas";
import type { Context } from "hono";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, getById, IdParam, keyErrors, publicDocument } from "./kit.js";

const actorOf = (c: Context<AppEnv>) => ({ apiKeyId: c.get("caller").id, userId: c.get("caller").userId });

/**
 * Runtime trust: JWKS, artifact redemption, revocations, approvals and run supervision. Each
 * route validates, calls one function in policy-store and maps its errors.
 */
export function trustRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const common = {
    400: "the request cannot be read; the message names the field",
    ...keyErrors("the key lacks the scope"),
  };
  const artifacts = areaRoutes(app, { tag: "artifacts", access: auth("authorize"), errors: common });
  const revocations = areaRoutes(app, { tag: "revocations", access: auth("admin"), errors: common });
  const approvals = areaRoutes(app, { tag: "approvals", access: auth("approvals"), errors: common });
  const runs = areaRoutes(app, { tag: "runs", access: auth("runs"), errors: common });

  publicDocument(app, {
    tag: "artifacts",
    path: "/.well-known/jwks.json",
    summary: "The public keys that sign authorization artifacts (current and, during rotation, previous)",
    answer: Jwks,
    answered: "the JSON Web Key Set",
    maxAge: 60,
    build: () => engine.trust.ring.jwks() as z.infer<typeof Jwks>,
  });

  artifacts(
    {
      method: "post",
      path: "/v1/artifacts/redeem",
      summary: "A tool's last check: redeem an artifact once",
      description:
        "200 with the claims the first time; 401 bad signature or wrong request digest; 409 already redeemed; 410 expired or revoked.",
      body: RedeemRequest,
      answers: { 200: jsonContent(RedeemResponse, "redeemed: act now") },
      errors: { 409: "already redeemed (replay)", 410: "expired or revoked" },
    },
    async (c) => {
      const outcome = await redeemArtifact(engine.database, engine.trust, c.req.valid("json"), actorOf(c));
      if (outcome.status !== 200) throw new PeaError(outcome.code, outcome.message);
      return c.json({ redeemed: true as const, claims: outcome.claims }, 200);
    },
  );

  revocations(
    {
      method: "post",
      path: "/v1/revocations",
      summary: "Revoke an agent, run, intent, grant or artifact, in every PDP within a second",
      body: RevocationRequest,
      answers: { 201: jsonContent(Revocation, "revoked") },
    },
    async (c) => {
      const revocation = await revoke(engine.database, engine.trust, c.req.valid("json"), actorOf(c));
      return c.json(revocation, 201);
    },
  );

  revocations(
    {
      method: "get",
      path: "/v1/revocations",
      summary: "Revocations with their targets, newest first; ?type= and ?id= ask whether one target is revoked",
      query: RevocationQuery,
      answers: { 200: jsonContent(z.object({ revocations: z.array(Revocation) }), "revocations") },
    },
    async (c) => c.json({ revocations: await listRevocations(engine.database, c.req.valid("query")) }, 200),
  );

  approvals(
    {
      method: "get",
      path: "/v1/approvals",
      summary: "Approvals, newest first (?status=pending for the queue)",
      query: z.object({ status: z.enum(approvalStatusValues).optional() }),
      answers: { 200: jsonContent(z.object({ approvals: z.array(Approval) }), "approvals") },
    },
    async (c) => c.json({ approvals: await listApprovals(engine.database, c.req.valid("query")) }, 200),
  );

  getById(approvals, {
    path: "/v1/approvals/{id}",
    summary: "One approval: the exact request it is for, its rules and votes",
    answer: Approval,
    answered: "the approval",
    missing: "no such approval",
    find: (id) => getApproval(engine.database, id),
  });

  const votes = [
    {
      vote: "approve",
      summary: "Approve, as the user the API key is bound to",
      description:
        "The approver must hold an approver group the rule names, and be neither the requester, anyone in its chain (an agent counts as its owner), nor the business object's initiator.",
      body: ApprovalVoteRequest,
      answered: "the approval after this vote",
      conflict: "not pending, or already decided by this user",
    },
    {
      vote: "reject",
      summary: "Reject, with a reason",
      body: ApprovalRejectRequest,
      answered: "the approval, rejected",
      conflict: "not pending",
    },
  ] as const;
  for (const { vote, body, answered, conflict, ...doc } of votes) {
    approvals(
      {
        method: "post",
        path: `/v1/approvals/{id}/${vote}`,
        ...doc,
        params: IdParam,
        body,
        answers: { 200: jsonContent(Approval, answered) },
        errors: { 404: "no such approval", 409: conflict },
      },
      async (c) => {
        const inputs = engine.inputs();
        if ("decision" in inputs) throw new PeaError("not_ready", "entitlements are not loaded");
        const ballot = { vote, reason: c.req.valid("json").reason };
        return c.json(
          await voteOnApproval(engine.database, inputs.snapshot, c.req.valid("param").id, ballot, actorOf(c)),
          200,
        );
      },
    );
  }

  for (const action of ["pause", "resume", "cancel"] as const) {
    runs(
      {
        method: "post",
        path: `/v1/runs/{id}/${action}`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a run (paused and cancelled runs get deny run_inactive)`,
        params: IdParam,
        body: SuperviseRunRequest,
        answers: { 200: jsonContent(RunResponse, "the run") },
        errors: { 404: "no such run", 409: "the run is not in a state this applies to" },
      },
      async (c) => {
        const { reason } = c.req.valid("json");
        const run = await superviseRun(engine.database, c.req.valid("param").id, action, actorOf(c), reason);
        return c.json(describeRun(run), 200);
      },
    );
  }
}
