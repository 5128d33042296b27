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

/** The real PDP HTTP app over a test store, driven through app.request(). */
export function pdpClient(pdp: TestPdp, options: { maxBodyBytes?: number; readyProbeMs?: number } = {}) {
  const app = createPdpApp({
    engine: pdp.engine,
    log: pdp.log,
    logger: createLogger("silent", "test"),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    ...(options.readyProbeMs ? { readyProbeMs: options.readyProbeMs } : {}),
  });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${speakerKey(pdp, method, path, body) ?? pdp.key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: JsonBody = {};
    try {
      json = JSON.parse(text) as JsonBody;
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: res.status, json, text, headers: res.headers };
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
