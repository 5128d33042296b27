import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type AppEnv, errorDoc, jsonBody, jsonContent, publicRoute } from "@pea/http-kit";
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
import { areaRoutes, IdParam, keyErrors } from "./kit.js";

const common = {
  400: errorDoc("the request cannot be read; the message names the field"),
  ...keyErrors("the key lacks the scope"),
};
const actorOf = (c: Context<AppEnv>) => ({ apiKeyId: c.get("caller").id, userId: c.get("caller").userId });

/**
 * Runtime trust: JWKS, artifact redemption, revocations, approvals and run supervision. Each
 * route validates, calls one function in policy-store and maps its errors.
 */
export function trustRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const artifacts = areaRoutes(app, auth, "artifacts", "authorize");
  const revocations = areaRoutes(app, auth, "revocations", "admin");
  const approvals = areaRoutes(app, auth, "approvals", "approvals");
  const runs = areaRoutes(app, auth, "runs", "runs");

  app.openapi(
    createRoute({
      method: "get",
      path: "/.well-known/jwks.json",
      ...publicRoute,
      tags: ["artifacts"],
      summary: "The public keys that sign authorization artifacts (current and, during rotation, previous)",
      responses: { 200: jsonContent(Jwks, "the JSON Web Key Set") },
    }),
    (c) => {
      c.header("cache-control", "public, max-age=60");
      return c.json(engine.trust.ring.jwks() as z.infer<typeof Jwks>, 200);
    },
  );

  artifacts(
    {
      method: "post",
      path: "/v1/artifacts/redeem",
      summary: "A tool's last check: redeem an artifact once",
      description:
        "200 with the claims the first time; 401 bad signature or wrong request digest; 409 already redeemed; 410 expired or revoked.",
      request: jsonBody(RedeemRequest),
      responses: {
        200: jsonContent(RedeemResponse, "redeemed: act now"),
        409: errorDoc("already redeemed (replay)"),
        410: errorDoc("expired or revoked"),
        ...common,
      },
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
      request: jsonBody(RevocationRequest),
      responses: { 201: jsonContent(Revocation, "revoked"), ...common },
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
      request: { query: RevocationQuery },
      responses: { 200: jsonContent(z.object({ revocations: z.array(Revocation) }), "revocations"), ...common },
    },
    async (c) => c.json({ revocations: await listRevocations(engine.database, c.req.valid("query")) }, 200),
  );

  approvals(
    {
      method: "get",
      path: "/v1/approvals",
      summary: "Approvals, newest first (?status=pending for the queue)",
      request: { query: z.object({ status: z.enum(approvalStatusValues).optional() }) },
      responses: { 200: jsonContent(z.object({ approvals: z.array(Approval) }), "approvals"), ...common },
    },
    async (c) => c.json({ approvals: await listApprovals(engine.database, c.req.valid("query")) }, 200),
  );

  approvals(
    {
      method: "get",
      path: "/v1/approvals/{id}",
      summary: "One approval: the exact request it is for, its rules and votes",
      request: { params: IdParam },
      responses: { 200: jsonContent(Approval, "the approval"), 404: errorDoc("no such approval"), ...common },
    },
    async (c) => {
      const approval = await getApproval(engine.database, c.req.valid("param").id);
      if (!approval) throw new PeaError("not_found", "no such approval");
      return c.json(approval, 200);
    },
  );

  const vote =
    (decision: "approve" | "reject") => async (c: Context<AppEnv>, id: string, reason: string | undefined) => {
      const inputs = engine.inputs();
      if ("decision" in inputs) throw new PeaError("not_ready", "entitlements are not loaded");
      return voteOnApproval(engine.database, inputs.snapshot, id, { vote: decision, reason }, actorOf(c));
    };
  const approve = vote("approve");
  const reject = vote("reject");

  approvals(
    {
      method: "post",
      path: "/v1/approvals/{id}/approve",
      summary: "Approve, as the user the API key is bound to",
      description:
        "The approver must hold an approver group the rule names, and be neither the requester, anyone in its chain (an agent counts as its owner), nor the business object's initiator.",
      request: {
        params: IdParam,
        ...jsonBody(ApprovalVoteRequest),
      },
      responses: {
        200: jsonContent(Approval, "the approval after this vote"),
        404: errorDoc("no such approval"),
        409: errorDoc("not pending, or already decided by this user"),
        ...common,
      },
    },
    async (c) => {
      return c.json(await approve(c, c.req.valid("param").id, c.req.valid("json").reason), 200);
    },
  );

  approvals(
    {
      method: "post",
      path: "/v1/approvals/{id}/reject",
      summary: "Reject, with a reason",
      request: {
        params: IdParam,
        ...jsonBody(ApprovalRejectRequest),
      },
      responses: {
        200: jsonContent(Approval, "the approval, rejected"),
        404: errorDoc("no such approval"),
        409: errorDoc("not pending"),
        ...common,
      },
    },
    async (c) => c.json(await reject(c, c.req.valid("param").id, c.req.valid("json").reason), 200),
  );

  for (const action of ["pause", "resume", "cancel"] as const) {
    runs(
      {
        method: "post",
        path: `/v1/runs/{id}/${action}`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} a run (paused and cancelled runs get deny run_inactive)`,
        request: {
          params: IdParam,
          ...jsonBody(SuperviseRunRequest),
        },
        responses: {
          200: jsonContent(RunResponse, "the run"),
          404: errorDoc("no such run"),
          409: errorDoc("the run is not in a state this applies to"),
          ...common,
        },
      },
      async (c) => {
        const { reason } = c.req.valid("json");
        const run = await superviseRun(engine.database, c.req.valid("param").id, action, actorOf(c), reason);
        return c.json(describeRun(run), 200);
      },
    );
  }
}
