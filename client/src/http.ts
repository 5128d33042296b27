// How the client talks to the PDP: one deadline per call, and every way a call can fail (timeout,
// connection refused, 5xx, an unreadable body) surfaces as PdpUnavailable, never as a success.

export interface PdpConnection {
  /** The PDP's base URL, e.g. http://127.0.0.1:8700. */
  url: string;
  /** API key (pea_<id>.<secret>) sent as a bearer token. */
  apiKey: string;
  /** Milliseconds a call may take before it counts as unavailable (default 2000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The PDP could not answer: unreachable, too slow, or a server error. */
export class PdpUnavailable extends Error {
  override readonly name = "PdpUnavailable";
}

/** The PDP answered with a 4xx: the call itself was refused (bad request, key, scope, state). */
export class PdpRefused extends Error {
  override readonly name = "PdpRefused";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type PdpCall = <T>(method: "GET" | "POST", path: string, body?: unknown) => Promise<T>;

export function pdpCall(connection: PdpConnection): PdpCall {
  const base = connection.url.replace(/\/+$/, "");
  const doFetch = connection.fetch ?? fetch;
  const timeoutMs = connection.timeoutMs ?? 2000;
  return async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${connection.apiKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (error) {
      const why =
        (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      throw new PdpUnavailable(`the PDP cannot be reached: ${why}`);
    }
    if (res.status >= 500) throw new PdpUnavailable(`the PDP failed: HTTP ${res.status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PdpUnavailable(`the PDP answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (res.status >= 400) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      throw new PdpRefused(res.status, error?.code ?? "unknown", error?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  };
}
