// Audit log contracts (zod): GET /v1/audit and GET /v1/runs/{id}/lineage.
import { z } from "@hono/zod-openapi";
import { ReasonCode } from "./contracts.js";

export const AuditEntry = z
  .object({
    seq: z.number().int(),
    time: z.string().openapi({ description: "ISO 8601, as hashed" }),
    prevHash: z.string(),
    hash: z.string().openapi({ description: "sha256(seq, time, prevHash, canonical JSON of record)" }),
    record: z.object({ type: z.string() }).passthrough().openapi({
      description: 'type "decision" (request, chain, reasons, versions...) or "change" (actor, action, target)',
    }),
  })
  .openapi("AuditEntry");

const RELATIVE_TIME = /^(\d{1,9})([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * A time bound as the CLI and the HTTP API accept it: ISO 8601 with an offset
 * ("2026-01-01T00:00:00Z") or a look-back from `now` ("90s", "10m", "24h", "7d").
 * Undefined when `text` is neither.
 */
export function parseTimeBound(text: string, now: Date = new Date()): Date | undefined {
  const relative = RELATIVE_TIME.exec(text);
  if (relative) {
    const unit = UNIT_SECONDS[relative[2] as keyof typeof UNIT_SECONDS];
    return new Date(now.getTime() - Number(relative[1]) * unit * 1000);
  }
  if (!z.string().datetime({ offset: true }).safeParse(text).success) return undefined;
  return new Date(text);
}

const time = z
  .string()
  .max(64)
  .refine((text) => parseTimeBound(text) !== undefined, {
    message: "an ISO 8601 time with offset, or a look-back such as 10m, 24h, 7d",
  })
  .openapi({ description: "ISO 8601 with offset, or a look-back from now: 90s, 10m, 24h, 7d", example: "24h" });

const seqCursor = z.coerce.number().int().min(0);

export const auditOrders = ["newest", "oldest"] as const;

export const AuditQueryParams = z
  .object({
    since: time.optional(),
    until: time.optional(),
    principal: z.string().min(1).max(300).optional().openapi({ example: "Agent::research-assistant" }),
    run: z.string().min(1).max(128).optional(),
    decision: z.enum(["allow", "deny"]).optional(),
    reason: ReasonCode.optional(),
    kind: z.enum(["decision", "change"]).optional(),
    order: z.enum(auditOrders).default("newest").openapi({ description: "newest first (default) or oldest first" }),
    before: seqCursor.optional().openapi({ description: "entries older than this seq (a page's `older` cursor)" }),
    after: seqCursor.optional().openapi({ description: "entries newer than this seq (a page's `newer` cursor)" }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, {
    message: "give before or after, not both",
    path: ["before"],
  });

export const AuditPage = z
  .object({
    entries: z.array(AuditEntry),
    older: z
      .number()
      .int()
      .optional()
      .openapi({ description: "pass as `before` for the older entries; absent when there are none" }),
    newer: z
      .number()
      .int()
      .optional()
      .openapi({ description: "pass as `after` for the newer entries; absent when there are none (so far)" }),
  })
  .openapi("AuditPage");

const LineageEvent = z
  .object({
    seq: z.number().int(),
    time: z.string(),
    kind: z.enum(["decision", "change"]),
    what: z.string(),
    who: z.string(),
    summary: z.string(),
    record: z.object({ type: z.string() }).passthrough(),
  })
  .openapi("LineageEvent");

export const Lineage = z
  .object({
    run: z.object({ id: z.string() }).passthrough().nullable(),
    delegation: z.object({
      chain: z.array(z.string()),
      principal: z.string(),
      intent: z.string(),
      startedBy: z.string().nullable(),
    }),
    events: z.array(LineageEvent),
    decisions: z.object({ total: z.number().int(), allowed: z.number().int(), denied: z.number().int() }),
    approvals: z.array(LineageEvent),
    outcomes: z.array(LineageEvent),
    revocations: z.array(LineageEvent),
    firstSeq: z.number().int().optional(),
    lastSeq: z.number().int().optional(),
  })
  .openapi("Lineage");
