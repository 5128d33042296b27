import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { jsonContent, jsonRoute } from "@pea/http-kit";
import type { AdminActor } from "@pea/policy-store";
import { ChangeResult } from "@pea/schemas";
import type { Context } from "hono";
import type { AdminEnv } from "../auth.js";
import type { AppDeps } from "../deps.js";

// What every admin API route shares: the error responses it documents, how a refusal becomes the
// error envelope, and the three shapes nearly every route has (list, change, act).

export type AdminApi = OpenAPIHono<AdminEnv>;

const errors = {
  400: "the request cannot be read or the change is invalid; the message names the field",
  401: "not signed in",
  403: "PEA's admin policies refuse this change (the message names the rule), or a CSRF/role problem",
  404: "a referenced entity does not exist",
  409: "conflict: already exists, or refused by a separation-of-duties rule",
};
export const IdParam = z.object({ id: z.string().min(1).max(256) });
export const Ok = z.object({ ok: z.literal(true) });
/** Records whose shape the audit log and lineage define (documented there, not here). */
export const Loose = z.record(z.string(), z.unknown());

export const actor = (c: Context<AdminEnv>): AdminActor => c.get("actor");

/** The answer to an entitlement change: the version every PDP converges to. */
export const changed = async (deps: AppDeps, extra: Record<string, unknown> = {}) => ({
  ok: true as const,
  entitlementVersion: await deps.entitlements.entitlementVersion(),
  ...extra,
});

interface Described {
  path: string;
  tag: string;
  summary: string;
}

/** GET <path> → { <key>: [...] }: a list the actor may view. */
export function listRoute<S extends z.ZodType>(
  app: AdminApi,
  o: Described & { key: string; item: S; list: (who: AdminActor) => Promise<unknown[]> },
): void {
  const config = jsonRoute({
    method: "get",
    path: o.path,
    summary: o.summary,
    answers: { 200: jsonContent(z.object({ [o.key]: z.array(o.item) }), "ok") },
    errors,
  });
  app.openapi(createRoute({ ...config, tags: [o.tag] } as RouteConfig), async (c) =>
    c.json({ [o.key]: await o.list(actor(c)) } as never, 200),
  );
}

type Input<P extends z.ZodType | undefined, B extends z.ZodType | undefined, Q extends z.ZodType | undefined> = {
  params: P extends z.ZodType ? z.infer<P> : undefined;
  body: B extends z.ZodType ? z.infer<B> : undefined;
  query: Q extends z.ZodType ? z.infer<Q> : undefined;
};

/**
 * A route that does one thing on the actor's behalf and answers `answer`'s result (for an
 * entitlement change, `changed(deps)`; for an oversight action, the thing acted on).
 */
export function actionRoute<
  P extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
>(
  app: AdminApi,
  o: Described & {
    method: "get" | "post" | "put" | "patch" | "delete";
    params?: P;
    body?: B;
    query?: Q;
    status?: 200 | 201 | 202;
    description?: string;
    response: z.ZodType;
    security?: RouteConfig["security"];
    /** Statuses this route answers beyond the usual errors, with what they mean. */
    extraStatuses?: Record<number, string>;
    /**
     * The work may file a request a second administrator approves instead of acting: an answer
     * with `status: "pending"` is a 202 of this shape.
     */
    pending?: z.ZodType;
    work: (who: AdminActor, input: Input<P, B, Q>, c: Context<AdminEnv>) => Promise<unknown>;
  },
): void {
  const status = o.status ?? 200;
  const answers = { [status]: jsonContent(o.response, o.description ?? "ok") };
  if (o.pending) answers[202] = jsonContent(o.pending, "filed: waits for a second administrator's approval");
  const config = jsonRoute({
    method: o.method,
    path: o.path,
    summary: o.summary,
    params: o.params,
    query: o.query,
    body: o.body,
    answers,
    errors: { ...errors, ...o.extraStatuses },
  });
  app.openapi(
    createRoute({ ...config, tags: [o.tag], ...(o.security ? { security: o.security } : {}) } as RouteConfig),
    async (c) => {
      const valid = (target: string): unknown => c.req.valid(target as never);
      const input = {
        params: o.params ? valid("param") : undefined,
        body: o.body ? valid("json") : undefined,
        query: o.query ? valid("query") : undefined,
      } as Input<P, B, Q>;
      const result = await o.work(actor(c), input, c);
      const filed = o.pending !== undefined && (result as { status?: unknown }).status === "pending";
      return c.json(result as never, filed ? 202 : status);
    },
  );
}

/** An entitlement change: its answer is the entitlement version every PDP converges to. */
export function changeRoute<P extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: AdminApi,
  deps: AppDeps,
  o: Described & {
    method: "post" | "put" | "patch" | "delete";
    params?: P;
    body?: B;
    status?: 200 | 201;
    description?: string;
    change: (who: AdminActor, input: Input<P, B, undefined>) => Promise<unknown>;
    /** Put what `change` returned into the answer (e.g. whether a resource was created). */
    withResult?: boolean;
  },
): void {
  actionRoute<P, B>(app, {
    ...o,
    response: ChangeResult,
    work: async (who, input) => {
      const result = await o.change(who, input);
      return changed(deps, o.withResult ? (result as Record<string, unknown>) : {});
    },
  });
}
