import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { admitSubAgentAs, describeRun, getRun, runTokenFor, startRunAs } from "@pea/policy-store";
import {
  AdmitSubAgentRequest,
  ErrorBody,
  PeaError,
  RunResponse,
  RunTokenResponse,
  StartRunRequest,
} from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });
const errorResponses = {
  400: error("the request cannot be read"),
  401: error("missing or invalid API key"),
  403: error("the key lacks the runs scope, or may not act for this run's human"),
};
const runId = z.object({ id: z.string().min(1).max(128) });

/**
 * Runs: a human's delegation to an agent, made durable. Started only by that human (identity/
 * run-access.ts); the answer carries the run token the agent's enforcement point presents.
 * Pause/resume/cancel live with supervision.
 */
export function runRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs",
      ...auth("runs"),
      tags: ["runs"],
      summary: "Start a run as its human: decisions naming it must match its principal, chain and intent",
      request: { body: { required: true, content: { "application/json": { schema: StartRunRequest } } } },
      responses: {
        201: {
          description: "the run, active, with its token",
          content: { "application/json": { schema: RunResponse } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { run, token, tokenExpiresAt } = await startRunAs(engine, c.req.valid("json"), c.get("caller"));
      return c.json({ ...describeRun(run), token, tokenExpiresAt: tokenExpiresAt.toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}",
      ...auth("runs"),
      tags: ["runs"],
      summary: "One run and its status",
      request: { params: runId },
      responses: {
        200: { description: "the run", content: { "application/json": { schema: RunResponse } } },
        404: error("no such run"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const run = await getRun(engine.database, c.req.valid("param").id);
      if (!run) throw new PeaError("not_found", "no such run");
      return c.json(describeRun(run), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/token",
      ...auth("runs"),
      tags: ["runs"],
      summary: "A fresh run token, for the run's human or the key of an agent in it",
      request: { params: runId },
      responses: {
        200: { description: "the token", content: { "application/json": { schema: RunTokenResponse } } },
        404: error("no such run"),
        409: error("the run is not active"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { token, expiresAt } = await runTokenFor(engine, c.req.valid("param").id, c.get("caller"));
      return c.json({ token, expiresAt: expiresAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{id}/sub-agents",
      ...auth("runs"),
      tags: ["runs"],
      summary: "Admit a registered agent as the run's sub-agent: its decisions land in this run",
      description:
        "The sub-agent then asks with principal = itself, chain = the run's chain followed by the run's principal, run = this id. Policies still judge every link.",
      request: {
        params: runId,
        body: { required: true, content: { "application/json": { schema: AdmitSubAgentRequest } } },
      },
      responses: {
        200: { description: "the run", content: { "application/json": { schema: RunResponse } } },
        404: error("no such run"),
        409: error("the run is not active"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const run = await admitSubAgentAs(engine, c.req.valid("param").id, c.req.valid("json").agent, c.get("caller"));
      return c.json(describeRun(run), 200);
    },
  );
}
