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
