import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "@pea/http-kit";
import { describeRun, getRun, startRun } from "@pea/policy-store";
import { ErrorBody, PeaError, RunResponse, StartRunRequest } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

const errorResponses = {
  400: { description: "the request cannot be read", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "the key lacks the runs scope", content: { "application/json": { schema: ErrorBody } } },
};

/** Runs: POST /v1/runs, GET /v1/runs/{id}. Pause/resume/cancel live with supervision (issue 5). */
export function runRoutes(app: OpenAPIHono<AppEnv>, { engine, auth }: RouteDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs",
      ...auth("runs"),
      tags: ["runs"],
      summary: "Start a run: decisions naming it must match its principal, chain and intent",
      request: { body: { required: true, content: { "application/json": { schema: StartRunRequest } } } },
      responses: {
        201: { description: "the run, active", content: { "application/json": { schema: RunResponse } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const run = await startRun(engine.database, c.req.valid("json"), {
        createdBy: c.get("caller").id,
        now: engine.now(),
      });
      return c.json(describeRun(run), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}",
      ...auth("runs"),
      tags: ["runs"],
      summary: "One run and its status",
      request: { params: z.object({ id: z.string().min(1).max(128) }) },
      responses: {
        200: { description: "the run", content: { "application/json": { schema: RunResponse } } },
        404: { description: "no such run", content: { "application/json": { schema: ErrorBody } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const run = await getRun(engine.database, c.req.valid("param").id);
      if (!run) throw new PeaError("not_found", "no such run");
      return c.json(describeRun(run), 200);
    },
  );
}
