// OpenTelemetry: a PDP process with OTEL_EXPORTER_OTLP_ENDPOINT set sends its spans to a local
// OTLP/HTTP receiver (the test's own server, taking the exporter's JSON posts). The caller's W3C
// trace context is continued; each decision has its span with children for facts, evaluation
// and the audit write.
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { keyFromCli, untilKeyIsKnown } from "../support/keys.js";
import { type PdpProcess, startPdpProcess, stopPdpProcess } from "../support/process.js";
import { stories } from "../support/requests.js";
import { openTestStore, type TestStore, waitFor } from "../support/store.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

const KEY = "pea_tracing01.abcdefghijklmnopqrstuvwxyz0123456789";
let aliceKey = "";

function attribute(span: OtlpSpan | undefined, key: string): unknown {
  const value = span?.attributes?.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
}

describe("tracing", () => {
  const spans: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  let receiver: Server;
  let store: TestStore | undefined;
  let pdp: PdpProcess | undefined;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        contentTypes.add(`${req.url} ${req.headers["content-type"]}`);
        if (req.url !== "/v1/traces") return res.writeHead(404).end();
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const address = receiver.address();
    const port = typeof address === "object" && address ? address.port : 0;
    store = storeKind === "postgres" ? await openTestStore() : undefined;
    const storeEnv: Record<string, string> = store?.url
      ? { DATABASE_URL: store.url }
      : { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-tracing-")), PEA_EMBEDDED_PORT: "0" };
    pdp = await startPdpProcess({
      PEA_BOOTSTRAP_API_KEY: KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      PEA_OTEL_EXPORT_DELAY_MS: "100",
      ...storeEnv,
    });
    // alice's own key: her research assistant's request is judged, not refused for its speaker.
    aliceKey = await keyFromCli(storeEnv, ["--user", "alice"]);
    await untilKeyIsKnown(pdp.url, aliceKey);
  }, 180_000);

  afterAll(async () => {
    await stopPdpProcess(pdp);
    await store?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("sends a decision's spans, under the caller's trace, to the OTLP endpoint", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const res = await fetch(`${pdp?.url}/v1/authorize`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${aliceKey}`,
        "content-type": "application/json",
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify(stories.readDealDb),
    });
    const answer = (await res.json()) as { decision: string; decisionId: string; policyVersion: string };
    expect(answer.decision).toBe("deny");

    const named = (name: string) => spans.find((s) => s.traceId === traceId && s.name === name);
    await waitFor(() => named("pea.audit.write") !== undefined && named("pea.decision") !== undefined, 30_000).catch(
      (error: Error) => {
        const seen = spans.map((s) => `${s.name} ${s.traceId === traceId ? "(this trace)" : ""}`);
        throw new Error(`${error.message}; posts: ${[...contentTypes].join(", ")}; spans: ${seen.join(", ")}`);
      },
    );
    expect([...contentTypes]).toContain("/v1/traces application/json");

    const decision = named("pea.decision");
    expect(attribute(decision, "pea.decision")).toBe("deny");
    expect(attribute(decision, "pea.reason")).toBe("barrier");
    expect(attribute(decision, "pea.denying_link")).toBe("User::alice");
    expect(attribute(decision, "pea.decision_id")).toBe(answer.decisionId);
    expect(attribute(decision, "pea.policy_version")).toBe(answer.policyVersion);
    expect(attribute(decision, "pea.entitlement_version")).toBeDefined();
    for (const child of ["pea.facts", "pea.evaluate", "pea.audit.write"]) {
      expect(named(child)?.parentSpanId, child).toBe(decision?.spanId);
    }
    // The HTTP server span continues the caller's span; the decision span sits under it.
    const server = spans.find((s) => s.traceId === traceId && s.parentSpanId === callerSpan);
    expect(server).toBeDefined();
    const ancestors = new Set<string>();
    for (let at = decision; at?.parentSpanId; at = spans.find((s) => s.spanId === at?.parentSpanId)) {
      ancestors.add(at.parentSpanId);
    }
    expect(ancestors).toContain(callerSpan);
    if (storeKind === "postgres") {
      // Postgres queries of the audit write are spans too (pg instrumentation).
      const write = named("pea.audit.write");
      expect(spans.some((s) => s.traceId === traceId && s.parentSpanId === write?.spanId)).toBe(true);
    }
  }, 120_000);
});
