import type { ErrorCode } from "@pea/schemas";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error a route raises on purpose; mapped to the error envelope with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string) {
  return c.json({ error: { code, message, requestId: c.get("requestId") ?? "" } }, status);
}

/** The first zod issue, as "field: problem", so a 400 names what to fix. */
export function describeZodIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>,
): string {
  const first = issues[0];
  if (!first) return "invalid request";
  const path = first.path
    .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
    .join(".")
    .replaceAll(".[", "[");
  if (first.code === "unrecognized_keys" && first.keys) {
    const where = path ? `${path}.` : "";
    return `${first.keys.map((k) => `${where}${k}`).join(", ")}: unknown field`;
  }
  return `${path || "body"}: ${first.message}`;
}
