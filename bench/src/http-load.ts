import autocannon from "autocannon";
import { demoWorkload } from "./workload.js";

export interface LoadResult {
  /** Requests answered per second (mean over the run). */
  rate: number;
  /** Latency in milliseconds. */
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  total: number;
}

export interface LoadOptions {
  url: string;
  /** JSON bodies sent in turn on every connection... */
  bodies?: unknown[];
  /** ...or a fresh body for every request, with headers of its own (another caller's key). */
  nextRequest?: () => { body: unknown; headers?: Record<string, string> };
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

/** POST the bodies round-robin (or fresh ones) at `connections` concurrent connections for `seconds`. */
export async function postLoad({
  url,
  bodies = [],
  nextRequest,
  headers = {},
  connections,
  seconds,
}: LoadOptions): Promise<LoadResult> {
  const common = { method: "POST" as const, headers: { "content-type": "application/json", ...headers } };
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: nextRequest
      ? [
          {
            ...common,
            setupRequest: (request) => {
              const next = nextRequest();
              return { ...request, body: JSON.stringify(next.body), headers: { ...request.headers, ...next.headers } };
            },
          },
        ]
      : bodies.map((body) => ({ ...common, body: JSON.stringify(body) })),
  });
  return {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

/** The demo bank's first four decisions, asked of a PDP at `baseUrl` by `connections` (50) for `seconds`. */
export const decisionLoad = (baseUrl: string, key: string, seconds: number, connections = 50): Promise<LoadResult> =>
  postLoad({
    url: `${baseUrl}/v1/authorize`,
    bodies: demoWorkload.slice(0, 4),
    headers: { authorization: `Bearer ${key}` },
    connections,
    seconds,
  });
