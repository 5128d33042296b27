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

const time = z
  .string()
  .datetime({ offset: true })
  .openapi({ description: "ISO 8601", example: "2026-01-01T00:00:00Z" });

export const AuditQueryParams = z
  .object({
    since: time.optional(),
    until: time.optional(),
    principal: z.string().min(1).max(300).optional().openapi({ example: "Agent::research-assistant" }),
    run: z.string().min(1).max(128).optional(),
    decision: z.enum(["allow", "deny"]).optional(),
    reason: ReasonCode.optional(),
    kind: z.enum(["decision", "change"]).optional(),
    after: z.coerce.number().int().min(0).optional().openapi({ description: "the previous page's nextCursor" }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const AuditPage = z
  .object({
    entries: z.array(AuditEntry),
    nextCursor: z.number().int().optional().openapi({ description: "pass as `after`; absent on the last page" }),
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
