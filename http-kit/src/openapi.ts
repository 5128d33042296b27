import type { z } from "@hono/zod-openapi";
import { ErrorBody } from "@pea/schemas";

// How a route documents its JSON: every app's OpenAPI routes are declared with these.

/** A JSON answer of `schema`, and what it means. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body of `schema` (spread into a route's `request`). */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

/** An error answer (the error envelope), and what it means for this route. */
export const errorDoc = (description: string) => jsonContent(ErrorBody, description);

type JsonAnswer<T extends z.ZodType = z.ZodType> = ReturnType<typeof jsonContent<T>>;

/**
 * A JSON route as its module states it: what it takes (path parameters, query, headers, a JSON
 * body), what it answers by status, and the errors it may answer with what each means there.
 * `jsonRoute` turns it into the config `createRoute` takes.
 */
export interface JsonRouteSpec {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  /** A required JSON body of this schema. */
  body?: z.ZodType;
  /** Each answer with a body of its own, by status: `jsonContent(schema, what it means)`. */
  answers: Record<number, JsonAnswer>;
  /** Each error answer (the error envelope), by status, with what it means for this route. */
  errors?: Record<number, string>;
}

type None = Record<never, never>;
type Part<S, K extends "params" | "query" | "headers"> =
  S extends Record<K, infer T extends z.ZodType> ? Record<K, T> : None;
type Body<S> = S extends { body: infer B extends z.ZodType } ? ReturnType<typeof jsonBody<B>> : None;
type ErrorAnswers<S> = S extends { errors: infer E } ? Record<keyof E & number, JsonAnswer<typeof ErrorBody>> : None;

/** The `createRoute` config of a spec, typed so a handler reads its inputs and answers as declared. */
export type JsonRoute<S extends JsonRouteSpec> = {
  method: S["method"];
  path: S["path"];
  summary: string;
  description?: string;
  request: Part<S, "params"> & Part<S, "query"> & Part<S, "headers"> & Body<S>;
  responses: S["answers"] & ErrorAnswers<S>;
};

export function jsonRoute<S extends JsonRouteSpec>(spec: S): JsonRoute<S> {
  const { params, query, headers, body, answers, errors = {}, ...doc } = spec;
  const request = { ...(params && { params }), ...(query && { query }), ...(headers && { headers }) };
  return {
    ...doc,
    request: { ...request, ...(body && jsonBody(body)) },
    responses: {
      ...answers,
      ...Object.fromEntries(Object.entries(errors).map(([status, what]) => [status, errorDoc(what)])),
    },
  } as unknown as JsonRoute<S>;
}
