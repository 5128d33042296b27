// The PDP's Prometheus metrics (GET /metrics), through http-kit's prom-client registry.
import { createRequire } from "node:module";
import { MetricsRegistry } from "@pea/http-kit";
import type { DecisionEngine, DecisionEvent, DecisionLog } from "@pea/policy-store";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** The PDP's metrics (GET /metrics). Register another with `metrics.registry.counter(name, help, labels)`. */
export function createPdpMetrics({ engine, log }: { engine: DecisionEngine; log: DecisionLog }) {
  const registry = new MetricsRegistry({ service: "pdp", version });
  const cache = engine.linkCache;
  const storeErrors = registry.counter("pea_store_errors_total", "Store operations that failed, by cause", ["cause"]);
  const auditBatch = registry.histogram(
    "pea_audit_batch_records",
    "Records committed per audit log write (group commit)",
    [],
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  );
  const auditWrite = registry.histogram("pea_audit_write_duration_seconds", "Time of one audit log write", ["result"]);
  log.onWrite(({ records, seconds, error }) => {
    auditWrite.observe({ result: error ? "error" : "ok" }, seconds);
    if (error) storeErrors.inc({ cause: "audit_write" });
    else auditBatch.observe(records);
  });
  registry.gauge("pea_ready", "1 when the PDP can decide", [], (g) => g.set(engine.status().ready ? 1 : 0));
  registry.counter(
    "pea_link_cache_lookups_total",
    "Single-link Cedar answers looked up in the decision cache, by result",
    ["result"],
    (c) => {
      c.reset();
      c.inc({ result: "hit" }, cache.hits);
      c.inc({ result: "miss" }, cache.misses);
    },
  );
  registry.gauge("pea_link_cache_hit_ratio", "Share of decision cache lookups answered from the cache", [], (g) =>
    g.set(cache.hits + cache.misses > 0 ? cache.hits / (cache.hits + cache.misses) : 0),
  );
  return {
    registry,
    storeErrors,
    decisions: registry.counter("pea_decisions_total", "Decisions answered, by decision and first reason", [
      "decision",
      "reason",
    ]),
    latency: registry.histogram("pea_decision_duration_seconds", "Time to decide and record one request", [
      "endpoint",
      "decision",
    ]),
  };
}
export type PdpMetrics = ReturnType<typeof createPdpMetrics>;

/**
 * Count one answered decision (told by the pipeline, per decision, whichever API asked); a
 * fail-closed deny for an unreachable store also counts as a store error.
 */
export function countDecision(metrics: PdpMetrics, event: DecisionEvent) {
  metrics.latency.observe({ endpoint: event.via, decision: event.decision }, event.seconds);
  metrics.decisions.inc({ decision: event.decision, reason: event.reasons[0] ?? "none" });
  if (event.reasons.includes("store_unavailable")) metrics.storeErrors.inc({ cause: "decision_facts" });
}
