import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, jsonContent } from "@pea/http-kit";
import { admitSubAgentAs, describeRun, getRun, runTokenFor, startRunAs } from "@pea/policy-store";
import { AdmitSubAgentRequest, RunResponse, RunTokenResponse, StartRunRequest } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";
import { areaRoutes, getById, IdParam, keyErrors } from "./kit.js";

/**
 * Runs: a human's delegation to an agent, made durable. Started only by that human (identity/
 * run-access.ts); the answer carries the run token the agent's enforcement point presents.
 * Pause/resume/cancel live with supervision.
 */
export function runRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  const route = areaRoutes(app, {
    tag: "runs",
    access: auth("runs"),
    errors: {
      400: "the request cannot be read",
      ...keyErrors("the key lacks the runs scope, or may not act for this run's human"),
    },
  });

  route(
    {
      method: "post",
      path: "/v1/runs",
      summary: "Start a run as its human: decisions naming it must match its principal, chain and intent",
      body: StartRunRequest,
      answers: { 201: jsonContent(RunResponse, "the run, active, with its token") },
    },
    async (c) => {
      const { run, token, tokenExpiresAt } = await startRunAs(engine, c.req.valid("json"), c.get("caller"));
      return c.json({ ...describeRun(run), token, tokenExpiresAt: tokenExpiresAt.toISOString() }, 201);
    },
  );

  getById(route, {
    path: "/v1/runs/{id}",
    summary: "One run and its status",
    answer: RunResponse,
    answered: "the run",
    missing: "no such run",
    find: async (id) => {
      const run = await getRun(engine.database, id);
      return run && describeRun(run);
    },
  });

  route(
    {
      method: "get",
      path: "/v1/runs/{id}/token",
      summary: "A fresh run token, for the run's human or the key of an agent in it",
      params: IdParam,
      answers: { 200: jsonContent(RunTokenResponse, "the token") },
      errors: { 404: "no such run", 409: "the run is not active" },
    },
    async (c) => {
      const { token, expiresAt } = await runTokenFor(engine, c.req.valid("param").id, c.get("caller"));
      return c.json({ token, expiresAt: expiresAt.toISOString() }, 200);
    },
  );

  route(
    {
      method: "post",
      path: "/v1/runs/{id}/sub-agents",
      summary: "Admit a registered agent as the run's sub-agent: its decisions land in this run",
      description:
        "The sub-agent then asks with principal = itself, chain = the run's chain followed by the run's principal, run = this id. Policies still judge every link.",
      params: IdParam,
      body: AdmitSubAgentRequest,
      answers: { 200: jsonContent(RunResponse, "the run") },
      errors: { 404: "no such run", 409: "the run is not active" },
    },
    async (c) => {
      const run = await admitSubAgentAs(engine, c.req.valid("param").id, c.req.valid("json").agent, c.get("caller"));
      return c.json(describeRun(run), 200);
    },
  );
}
