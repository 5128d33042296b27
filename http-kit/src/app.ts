import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { OpenAPIHono } from "@hono/zod-openapi";
import { type ApiKeyPrincipal, findUnstorable, jsonDepthExceeds, MAX_JSON_DEPTH, PeaError } from "@pea/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { describeZodIssues, errorResponse, refusalResponse } from "./errors.js";

export type AppEnv = {
  Variables: {
    requestId: string;
    /** Set by requireApiKey: the authenticated caller. */
    caller: ApiKeyPrincipal;
  };
};

export interface AppOptions {
  logger: Logger;
  maxBodyBytes: number;
  /** Paths whose non-JSON bodies are a 400 rather than a 415 (AuthZEN says so for its endpoints). */
  badContentTypeIs400?: (path: string) => boolean;
  /** Deepest nesting a JSON body may have (default MAX_JSON_DEPTH). */
  maxJsonDepth?: number;
}

const JSON_BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** A problem to answer with (400), the parsed body, or nothing (malformed: the route's parser says so). */
function checkJsonBody(text: string, maxDepth: number): string | { parsed: unknown } | undefined {
  if (jsonDepthExceeds(text, maxDepth)) return `body: nested deeper than ${maxDepth} levels`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const unstorable = findUnstorable(parsed, 1);
  return unstorable.length > 0 ? describeZodIssues(unstorable) : { parsed };
}

/** Node's response, when @hono/node-server serves the app (it passes it as `outgoing`). */
function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

// A caller's request id is echoed as given (AuthZEN: "an arbitrary string"): printable ASCII only.
const REQUEST_ID = /^[\x20-\x7e]{1,256}$/;

/**
 * An OpenAPIHono app with PEA's conventions: X-Request-ID on every answer, the error envelope for
 * every failure (400 naming the field, 413 past the body limit, 415 for non-JSON, 500 saying
 * nothing internal), and an access log line per request.
 */
export function createApiApp({
  logger,
  maxBodyBytes,
  badContentTypeIs400,
  maxJsonDepth = MAX_JSON_DEPTH,
}: AppOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return errorResponse(c, 400, "invalid_request", describeZodIssues(result.error.issues));
      }
    },
  });

  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    // Served by Node (@hono/node-server passes its response as `outgoing`), the header goes onto
    // Node's response, which merges it into whatever answer is written. Through Hono, a second
    // header makes every answer carry a web Headers object (undici's: built, validated and sorted
    // per request) instead of a plain object. Otherwise (app.request() in tests) it is set before
    // the answer is built: set on a finished answer, Hono would copy it through a web Response
    // whose body is then streamed, which cost more than zod validation and routing together.
    const outgoing = nodeResponse(c);
    if (outgoing) outgoing.setHeader("X-Request-ID", requestId);
    else c.header("X-Request-ID", requestId);
    const started = performance.now();
    await next();
    // An answer built as a Response by hand did not take the prepared header.
    if (!outgoing && !c.res.headers.has("X-Request-ID")) c.header("X-Request-ID", requestId);
    if (logger.isLevelEnabled("debug")) {
      logger.debug(
        {
          requestId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: +(performance.now() - started).toFixed(2),
        },
        "request",
      );
    }
  });

  app.use("*", async (c, next) => {
    if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
        if (badContentTypeIs400?.(c.req.path)) {
          return errorResponse(c, 400, "invalid_request", "content-type must be application/json");
        }
        return errorResponse(c, 415, "unsupported_media_type", "content-type must be application/json");
      }
    }
    await next();
  });

  const tooLarge = (c: Context<AppEnv>) =>
    errorResponse(c, 413, "payload_too_large", `request body exceeds ${maxBodyBytes} bytes`);
  const streamedLimit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  app.use("*", async (c, next) => {
    // A declared length is checked from the header alone. Hono's bodyLimit would first turn the
    // Node request into a web Request with a body stream, which costs more than the rest of an
    // authorize call's HTTP handling; it is kept for bodies without a length (chunked).
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > maxBodyBytes ? tooLarge(c) : next();
    }
    return streamedLimit(c, next);
  });

  // Every JSON body is read once here, before any route: nested past the depth limit, or holding
  // text the audit log cannot store, it is a 400 naming the limit or the field, never a 500.
  app.use("*", async (c, next) => {
    if (!JSON_BODY_METHODS.has(c.req.method)) return next();
    const problem = checkJsonBody(await c.req.text(), maxJsonDepth);
    if (typeof problem === "string") return errorResponse(c, 400, "invalid_request", problem);
    // Parsed already: hand the value to the route's validator instead of parsing twice.
    if (problem) c.req.bodyCache.json = Promise.resolve(problem.parsed);
    return next();
  });

  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));

  app.onError((error, c) => {
    if (error instanceof PeaError) return refusalResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      const message = /json/i.test(error.message) ? "body: malformed JSON" : error.message || "bad request";
      return errorResponse(c, error.status, error.status === 401 ? "unauthorized" : "invalid_request", message);
    }
    logger.error({ requestId: c.get("requestId"), err: error }, "unhandled error");
    return errorResponse(c, 500, "internal", "internal error");
  });

  return app;
}

/** GET /openapi.json (generated from the zod contracts) and GET /docs (Swagger UI, served locally). */
export function mountDocs(app: OpenAPIHono<AppEnv>, info: { title: string; version: string; description: string }) {
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info,
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const dist = join(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"), "..");
  const assets: Record<string, string> = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
  };
  app.get("/docs/:asset", async (c) => {
    const asset = c.req.param("asset");
    const type = assets[asset];
    if (!type) return errorResponse(c, 404, "not_found", "no such asset");
    c.header("content-type", type);
    c.header("cache-control", "public, max-age=86400");
    return c.body(await readFile(join(dist, asset)));
  });
  app.get("/docs", (c) =>
    c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${info.title}</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui" });</script></body></html>`),
  );
}

/** Bearer API key authentication; `scope` is the scope the route needs (`admin` implies all). */
/** Who a bearer key is (undefined: nobody); may read the store for a key made a moment ago. */
export type VerifyKey = (
  key: string,
) => AppEnv["Variables"]["caller"] | undefined | Promise<AppEnv["Variables"]["caller"] | undefined>;

export function requireApiKey(verify: VerifyKey, scope: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? await verify(match[1] as string) : undefined;
    if (!caller) {
      c.header("WWW-Authenticate", 'Bearer realm="pea"');
      return errorResponse(c, 401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    }
    if (!caller.scopes.includes("admin") && !(caller.scopes as string[]).includes(scope)) {
      return errorResponse(c, 403, "forbidden", `this API key lacks the ${scope} scope`);
    }
    c.set("caller", caller);
    await next();
  };
}

/**
 * How a route is authenticated, declared in its `createRoute({...})`: the check that runs before
 * validation, and the scope the OpenAPI document shows (`security: [{ bearer: [scope] }]`), which
 * the shared route test reads to prove every route refuses a missing key (401) and a key without
 * the scope (403). Public routes declare `publicRoute` instead.
 */
export interface RouteAuth {
  middleware: MiddlewareHandler<AppEnv>[];
  security: Array<Record<string, string[]>>;
}

export function apiKeyAuth(verify: VerifyKey): (scope: string) => RouteAuth {
  return (scope) => ({ middleware: [requireApiKey(verify, scope)], security: [{ bearer: [scope] }] });
}

/** A route anyone may call (health, readiness, public keys, discovery). */
export const publicRoute: { security: Array<Record<string, string[]>> } = { security: [] };
