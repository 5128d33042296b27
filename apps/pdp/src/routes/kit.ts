import { createRoute, type OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import {
  type AppEnv,
  type JsonRoute,
  type JsonRouteSpec,
  jsonContent,
  jsonRoute,
  publicRoute,
  type RouteAuth,
} from "@pea/http-kit";
import { PeaError } from "@pea/schemas";
import type { Context } from "hono";

// What the PDP's routes share: the id in a path, the errors of a key, and how an area of the API
// declares its routes (one tag in the docs, one way in: a key scope or public, the errors it answers).

export const IdParam = z.object({ id: z.string().min(1).max(128) });

/** The errors any route behind an API key may answer, `forbidden` saying which scope or rule it lacks. */
export const keyErrors = (forbidden: string) => ({ 401: "missing or invalid API key", 403: forbidden });

/** An area of decision routes (PEA's own, AuthZEN's): the authorize scope, and a body that cannot be read. */
export const decisionArea = (tag: string, authorizeScope: RouteAuth): Area => ({
  tag,
  access: authorizeScope,
  errors: {
    400: "the request cannot be read (malformed JSON, not application/json, a missing or mistyped field: named in the message)",
    ...keyErrors("the key lacks the authorize scope"),
    413: "body too large",
  },
});

export interface Area {
  /** Where the docs list its routes. */
  tag: string;
  /** `auth(scope)`: the API key scope every route needs; or `publicRoute`. */
  access: RouteAuth | { security: RouteAuth["security"] };
  /** The errors every route of the area may answer (a route's own `errors` add to them). */
  errors?: Record<number, string>;
}

/** Declares one route of an area: app.openapi(createRoute(...), handler), with the area's tag, access and errors. */
export type AreaRoute = <S extends JsonRouteSpec>(
  spec: S,
  handler: RouteHandler<Extract<JsonRoute<S>, RouteConfig>, AppEnv>,
) => void;

export function areaRoutes(app: OpenAPIHono<AppEnv>, { tag, access, errors }: Area): AreaRoute {
  return (spec, handler) => {
    const config = jsonRoute({ ...spec, errors: { ...errors, ...spec.errors } });
    app.openapi(createRoute({ ...config, tags: [tag], ...access } as RouteConfig), handler as never);
  };
}

/**
 * GET `path` (ending in `{id}`): what `find` finds for the id, or a 404 saying `missing` (and
 * documented so, unless `errors` says more).
 */
export function getById<A extends z.ZodType>(
  route: AreaRoute,
  o: {
    path: string;
    summary: string;
    answer: A;
    answered: string;
    missing: string;
    errors?: Record<number, string>;
    find: (id: string) => Promise<z.input<A> | undefined>;
  },
): void {
  route(
    {
      method: "get",
      path: o.path,
      summary: o.summary,
      params: IdParam,
      answers: { 200: jsonContent(o.answer as z.ZodType, o.answered) },
      errors: { 404: o.missing, ...o.errors },
    },
    async (c) => {
      const found = await o.find(c.req.valid("param").id);
      if (found === undefined) throw new PeaError("not_found", o.missing);
      return c.json(found, 200);
    },
  );
}

/** A public GET of a document its readers may cache for `maxAge` seconds (public keys, discovery). */
export function publicDocument<A extends z.ZodType>(
  app: OpenAPIHono<AppEnv>,
  o: {
    tag: string;
    path: string;
    summary: string;
    answer: A;
    answered: string;
    maxAge: number;
    build: (c: Context<AppEnv>) => z.input<A>;
  },
): void {
  areaRoutes(app, { tag: o.tag, access: publicRoute })(
    {
      method: "get",
      path: o.path,
      summary: o.summary,
      answers: { 200: jsonContent(o.answer as z.ZodType, o.answered) },
    },
    (c) => {
      c.header("cache-control", `public, max-age=${o.maxAge}`);
      return c.json(o.build(c), 200);
    },
  );
}
