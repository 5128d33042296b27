import type { ReasonCode } from "@pea/schemas";
import type { Logger } from "pino";

/** Denies that PEA gave because something failed, not because policy said so. */
const failClosedCauses: ReadonlySet<ReasonCode> = new Set([
  "store_unavailable",
  "audit_unavailable",
  "evaluation_error",
]);

/**
 * Every fail-closed deny is counted by cause (pea_fail_closed_total) and logged at warn, at most one
 * line per cause every `intervalMs` (with how many were left out since), so an outage cannot flood the log.
 */
export function failClosedReporter(
  logger: Logger,
  counter: { inc(labels: { cause: string }): void },
  intervalMs = 10_000,
) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (reason: { code: string; message?: string } | undefined) => {
    if (!reason || !failClosedCauses.has(reason.code as ReasonCode)) return;
    counter.inc({ cause: reason.code });
    const now = Date.now();
    const seen = last.get(reason.code);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    logger.warn({ cause: reason.code, detail: reason.message, suppressed: seen?.suppressed ?? 0 }, "fail_closed");
    last.set(reason.code, { at: now, suppressed: 0 });
  };
}
