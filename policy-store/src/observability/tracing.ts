// Spans for the decision pipeline through the OpenTelemetry API. Without an SDK registered (the
// PDP registers one only when OTEL_EXPORTER_OTLP_ENDPOINT is set) every call here is the API's
// no-op: a span that records nothing, and the function run as it is.
import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { AuthorizeRequest, AuthorizeResponse } from "@pea/schemas";

const tracer = trace.getTracer("pea");

function failed(span: Span, error: unknown): never {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  throw error;
}

/** Run `fn` inside a span named `name` (a child of the active span); the span ends when it settles. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      return failed(span, error);
    } finally {
      span.end();
    }
  });
}

/** withSpan for synchronous work (Cedar evaluation). */
export function withSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      return failed(span, error);
    } finally {
      span.end();
    }
  });
}

/**
 * The span of one decision: what was asked (no context, no evidence), then what was answered:
 * decision, first reason, the link that denied, and the policy and entitlement versions.
 */
export function traceDecision(
  request: AuthorizeRequest,
  decideAndRecord: () => Promise<AuthorizeResponse>,
): Promise<AuthorizeResponse> {
  const asked: Attributes = {
    "pea.principal": `${request.principal.type}::${request.principal.id}`,
    "pea.action": request.action,
    "pea.resource.type": request.resource.type,
    "pea.chain.depth": request.chain?.length ?? 0,
  };
  if (request.intent) asked["pea.intent"] = request.intent;
  return withSpan("pea.decision", asked, async (span) => {
    const response = await decideAndRecord();
    const first = response.reasons[0];
    span.setAttributes({
      "pea.decision": response.decision,
      "pea.decision_id": response.decisionId,
      "pea.reason": first?.code ?? "none",
      "pea.policy_version": response.policyVersion,
      "pea.entitlement_version": response.entitlementVersion,
    });
    if (first?.link) span.setAttribute("pea.denying_link", first.link);
    if (first?.policy) span.setAttribute("pea.denying_policy", first.policy);
    return response;
  });
}
