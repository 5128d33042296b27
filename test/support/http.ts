import { createLogger } from "@pea/http-kit";
import { createPdpApp } from "@pea/pdp";
import { speakerKey } from "./speakers.js";
import { startTestPdp, type TestPdp } from "./store.js";

export type JsonBody = Record<string, unknown> & {
  decision?: string;
  reasons?: Array<{ code: string; link?: string; policy?: string; message: string }>;
  obligations?: Array<{ type: string; approvalId?: string }>;
  error?: { code: string; message: string; requestId: string };
};

/**
 * `method path` on an app, through app.request(): `body` (JSON text) goes as application/json unless
 * `headers` say otherwise. The answer as tests read it: its JSON, or {} where it is not JSON (HTML,
 * metrics, docs).
 */
export async function sendToApp<Json>(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
) {
  const res = await app.request(path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json = {} as Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** The real PDP HTTP app over a test store, driven through app.request(). */
export function pdpClient(pdp: TestPdp, options: { maxBodyBytes?: number; readyProbeMs?: number } = {}) {
  const app = createPdpApp({
    engine: pdp.engine,
    log: pdp.log,
    logger: createLogger("silent", "test"),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    ...(options.readyProbeMs ? { readyProbeMs: options.readyProbeMs } : {}),
  });
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    // A string goes as it is: the tests of malformed JSON send text that does not parse.
    const text = body === undefined || typeof body === "string" ? body : JSON.stringify(body);
    const authorization = `Bearer ${speakerKey(pdp, method, path, body) ?? pdp.key}`;
    return sendToApp<JsonBody>(app, method, path, text, { authorization, ...headers });
  };
  return {
    app,
    call,
    authorize: async (request: unknown, headers?: Record<string, string>) =>
      call("POST", "/v1/authorize", request, headers),
    /** A compliance officer (by `headers`' key) brings someone over the wall. */
    grantCrossing: async (crossing: unknown, headers?: Record<string, string>) =>
      call("POST", "/v1/wall-crossings", crossing, headers),
  };
}

export type PdpClient = ReturnType<typeof pdpClient>;

/** A test PDP and a client for it: what most test files start before their tests. */
export async function startPdpWithClient(
  options?: Parameters<typeof startTestPdp>[0],
): Promise<{ pdp: TestPdp; client: PdpClient }> {
  const pdp = await startTestPdp(options);
  return { pdp, client: pdpClient(pdp) };
}
