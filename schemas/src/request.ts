import { z } from "@hono/zod-openapi";

/**
 * What a caller sends, named `name` in the OpenAPI document: a field it does not declare is
 * refused (a 400 naming it), never silently ignored.
 */
export const requestSchema = <S extends z.ZodRawShape>(name: string, shape: S) =>
  z.object(shape).strict().openapi(name);
