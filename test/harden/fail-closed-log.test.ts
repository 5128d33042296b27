// Every fail-closed deny leaves a trace: counted by cause in /metrics, logged at warn with the
// cause, and rate-limited so an outage cannot flood the log.
import { createLogger } from "@pea/http-kit";
import { createPdpApp } from "@pea/pdp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stories } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
beforeAll(async () => {
  pdp = await startTestPdp();
});
afterAll(async () => pdp?.close());

describe("fail-closed causes are logged and counted", () => {
  it("50 audit_unavailable denies: one warn line naming the cause, 50 counted", async () => {
    const logger = createLogger("silent", "test");
    const warn = vi.spyOn(logger, "warn");
    const app = createPdpApp({ engine: pdp.engine, log: pdp.log, logger, maxBodyBytes: 64 * 1024 });
    const ask = (path: string, body?: unknown) =>
      app.request(path, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${pdp.key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    await pdp.database.query("ALTER TABLE audit_log RENAME TO audit_log_gone");
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => ask("/v1/authorize", stories.readResearch)));
      const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ reasons: Array<{ code: string }> }>;
      expect(bodies.every((b) => b.reasons[0]?.code === "audit_unavailable")).toBe(true);
    } finally {
      await pdp.database.query("ALTER TABLE audit_log_gone RENAME TO audit_log");
    }
    const lines = warn.mock.calls.filter((call) => call[1] === "fail_closed");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toMatchObject({ cause: "audit_unavailable" });
    const metrics = await (await ask("/metrics")).text();
    expect(metrics).toContain('pea_fail_closed_total{cause="audit_unavailable"} 50');
  });
});
