import { createRoute, type OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import { type AppEnv, errorDoc } from "@pea/http-kit";
import type { ApiKeyScope } from "@pea/schemas";
import type { RouteDeps } from "../deps.js";

// What the PDP's keyed routes share: the id in a path, the errors of a key, and how an area of the
// API declares its routes (one tag in the docs, one scope every key must hold).

export const IdParam = z.object({ id: z.string().min(1).max(128) });

/** The errors any route behind an API key may answer, `forbidden` saying which scope or rule it lacks. */
export const keyErrors = (forbidden: string) => ({
  401: errorDoc("missing or invalid API key"),
  403: errorDoc(forbidden),
});

/**
 * Declares the routes of one area: each is documented under `tag` and needs an API key with
 * `scope`. Returns `route(config, handler)`, which is app.openapi(createRoute(config), handler)
 * with the tag and the key check added.
 */
export function areaRoutes(app: OpenAPIHono<AppEnv>, auth: RouteDeps["auth"], tag: string, scope: ApiKeyScope) {
  return <R extends RouteConfig>(config: R, handler: RouteHandler<R, AppEnv>): void => {
    app.openapi(createRoute({ ...config, tags: [tag], ...auth(scope) }), handler as never);
  };
}
