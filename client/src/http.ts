// How the client talks to the PDP: one deadline per call, and every way a call can fail (timeout,
// connection refused, 5xx, an unreadable body) surfaces as PdpUnavailable, never as a success.

import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export interface PdpConnection {
  /** The PDP's base URL, e.g. http://127.0.0.1:8700. */
  url: string;
  /** API key (pea_<id>.<secret>) sent as a bearer token. */
  apiKey: string;
  /** Milliseconds a call may take before it counts as unavailable (default 2000). */
  timeoutMs?: number;
  /** Make the calls with this fetch instead of Node's own http client. */
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

/** The request cannot be put into JSON (a cycle, or nested past what JSON.stringify takes): never sent. */
export class RequestUnsendable extends Error {
  override readonly name = "RequestUnsendable";
}

export type PdpCall = <T>(method: "GET" | "POST", path: string, body?: unknown) => Promise<T>;

/** One HTTP exchange: resolves with the status and the whole body, rejects on a network error or timeout. */
type Send = (
  method: "GET" | "POST",
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
) => Promise<{ status: number; text: string }>;

class Timeout extends Error {
  override readonly name = "TimeoutError";
}

/** The largest answer read: a PDP's decisions are a few KiB, a batch of 100 some hundred. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Node's own http client over kept-alive connections: a third of fetch's CPU per call (measured in
 * the issue 14 note), which the gateway pays two or three times per tool call.
 */
function nodeSend(): Send {
  const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
  return (method, url, headers, body, timeoutMs) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      if (!secure && target.protocol !== "http:") return reject(new Error(`unsupported URL ${target.protocol}`));
      const options = {
        method,
        agent: agents[target.protocol as "http:" | "https:"],
        headers: body !== undefined ? { ...headers, "content-length": String(Buffer.byteLength(body)) } : headers,
      };
      const req = (secure ? httpsRequest : httpRequest)(target, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error("the answer is too large"));
          else chunks.push(chunk);
        });
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", fail);
      });
      const timer = setTimeout(() => req.destroy(new Timeout()), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      req.on("error", fail);
      req.end(body);
    });
}

/** A caller's own fetch (another runtime, a proxy, a test double). */
function fetchSend(doFetch: typeof fetch): Send {
  return async (method, url, headers, body, timeoutMs) => {
    const res = await doFetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  };
}

export function pdpCall(connection: PdpConnection): PdpCall {
  const base = connection.url.replace(/\/+$/, "");
  const send = connection.fetch ? fetchSend(connection.fetch) : nodeSend();
  const timeoutMs = connection.timeoutMs ?? 2000;
  return async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    let payload: string | undefined;
    try {
      payload = body !== undefined ? JSON.stringify(body) : undefined;
    } catch (error) {
      throw new RequestUnsendable(`the request cannot be sent as JSON: ${(error as Error).message}`);
    }
    let status: number;
    let text: string;
    try {
      ({ status, text } = await send(
        method,
        `${base}${path}`,
        {
          authorization: `Bearer ${connection.apiKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        payload,
        timeoutMs,
      ));
    } catch (error) {
      const why =
        (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      throw new PdpUnavailable(`the PDP cannot be reached: ${why}`);
    }
    if (status >= 500) throw new PdpUnavailable(`the PDP failed: HTTP ${status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PdpUnavailable(`the PDP answered HTTP ${status} with a body that is not JSON`);
    }
    if (status >= 400) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      throw new PdpRefused(status, error?.code ?? "unknown", error?.message ?? `HTTP ${status}`);
    }
    return json as T;
  };
}
