// What the audit log can store. Postgres cannot keep U+0000 or an unpaired UTF-16 surrogate in text
// or jsonb, so a request holding one could not be recorded: it is refused as unreadable, naming where.
import type { z } from "@hono/zod-openapi";

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** True when `text` holds a character no field may hold (a store cannot keep it faithfully). */
export const hasUnstorableText = (text: string) => text.includes("\u0000") || UNPAIRED_SURROGATE.test(text);

/** How deep a JSON document PEA reads (every app's body parser refuses deeper ones first). */
export const MAX_JSON_DEPTH = 64;

export interface UnstorableIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Where a parsed value holds text the log cannot store, or nests deeper than MAX_JSON_DEPTH (first
 * issues only). Walks with an explicit stack, so a hostile nesting depth cannot overflow the call stack.
 */
export function findUnstorable(value: unknown, limit = 16): UnstorableIssue[] {
  const issues: UnstorableIssue[] = [];
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  for (let next = stack.pop(); next && issues.length < limit; next = stack.pop()) {
    const { value: item, path } = next;
    if (typeof item === "string") {
      if (hasUnstorableText(item)) issues.push({ path, message: "contains a NUL character or an unpaired surrogate" });
      continue;
    }
    if (item === null || typeof item !== "object") continue;
    if (path.length >= MAX_JSON_DEPTH) {
      issues.push({ path: path.slice(0, 8), message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
      break;
    }
    if (Array.isArray(item)) {
      for (const [i, element] of item.entries()) stack.push({ value: element, path: [...path, i] });
      continue;
    }
    for (const [key, element] of Object.entries(item)) {
      if (hasUnstorableText(key))
        issues.push({ path, message: "a key contains a NUL character or an unpaired surrogate" });
      stack.push({ value: element, path: [...path, key] });
    }
  }
  return issues;
}

/** A zod refinement: the value must be storable (findUnstorable). */
export function rejectUnstorableText(value: unknown, ctx: z.RefinementCtx): void {
  for (const issue of findUnstorable(value)) ctx.addIssue({ code: "custom", ...issue });
}

/**
 * The nesting depth of a JSON text, counted without parsing (so without recursion), stopping as
 * soon as it passes `limit`. Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
