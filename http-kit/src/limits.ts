import { hasUnstorableText, jsonDepthExceeds } from "@pea/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.js";

export interface InputLimits {
  /** Largest body read, in bytes: a declared length is checked from the header, a chunked body as it streams. */
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays a JSON body may have. */
  maxJsonDepth: number;
  /** How a refusal is answered (default: the error envelope). */
  refuse?: (c: Context, status: 400 | 413, message: string) => Response | Promise<Response>;
}

/** The first string (key or value) of a parsed JSON value that no field may hold, by its path. */
function unstorableField(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return hasUnstorableText(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorableField(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (hasUnstorableText(key)) return at;
      const found = unstorableField(item, at);
      if (found) return found;
    }
  }
  return undefined;
}

const mediaTypeOf = (c: Context) => (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
const isJson = (type: string) => /^application\/([a-z.+-]*\+)?json$/.test(type);
const isForm = (type: string) => type === "application/x-www-form-urlencoded" || type === "multipart/form-data";

/**
 * Limits on every request body, checked before any route reads it:
 * - larger than maxBodyBytes → 413 naming the limit; a declared length is refused from the
 *   header without reading the body, a chunked body is read only up to the limit;
 * - JSON nested deeper than maxJsonDepth, or malformed → 400;
 * - a form body that cannot be parsed (e.g. broken multipart) or carries a file → 400;
 * - a NUL or an unpaired surrogate in any JSON or form field (names included) → 400 naming it.
 * What passes is cached on the request, so routes read the same body.
 */
export function inputLimits(limits: InputLimits): MiddlewareHandler {
  const refuse =
    limits.refuse ??
    ((c: Context, status: 400 | 413, message: string) =>
      errorResponse(c, status, status === 413 ? "payload_too_large" : "invalid_request", message));
  const tooLarge = (c: Context) => refuse(c, 413, `request body exceeds ${limits.maxBodyBytes} bytes`);
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!(Number(length) <= limits.maxBodyBytes)) return tooLarge(c);
    } else {
      const body = await readCapped(raw.body, limits.maxBodyBytes);
      if (!body) return tooLarge(c);
      c.req.raw = new Request(raw, { body });
    }
    const type = mediaTypeOf(c);
    if (isJson(type)) {
      const text = await c.req.text();
      if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
        return refuse(c, 400, `body: nested deeper than ${limits.maxJsonDepth} levels`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return refuse(c, 400, "body: malformed JSON");
      }
      const field = unstorableField(parsed, "");
      if (field !== undefined) {
        return refuse(c, 400, `${field || "body"}: contains a NUL character or an unpaired surrogate`);
      }
    } else if (isForm(type)) {
      let form: Record<string, unknown>;
      try {
        form = await c.req.parseBody({ all: true });
      } catch {
        return refuse(c, 400, "body: malformed form data");
      }
      for (const [name, value] of Object.entries(form)) {
        for (const v of Array.isArray(value) ? value : [value]) {
          if (typeof v !== "string") return refuse(c, 400, `${name}: file uploads are not accepted`);
          if (hasUnstorableText(name) || hasUnstorableText(v)) {
            return refuse(c, 400, `${name}: contains a NUL character or an unpaired surrogate`);
          }
        }
      }
    }
    return next();
  };
}

/** The whole body if it is at most `max` bytes; undefined as soon as it is more (the rest is never read). */
async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
