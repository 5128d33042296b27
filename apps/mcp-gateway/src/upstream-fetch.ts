// The fetch the gateway's MCP clients use to reach an HTTP upstream. A tools/call is one POST
// answered by one body; Node's own http client over kept-alive connections sends it for a third of
// undici fetch's CPU (measured in the issue 14 note), once per gated call. Anything else (the GET
// of a server-sent stream, DELETE) goes to the global fetch, which streams.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";

/** Statuses whose response has no body (the Response constructor refuses one). */
const NO_BODY = new Set([204, 205, 304]);

export function upstreamFetch(): FetchLike {
  const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
  return (url, init) => {
    const target = new URL(url);
    if (init?.method !== "POST" || typeof init.body !== "string" || !(target.protocol in agents)) {
      return fetch(url, init);
    }
    const body = init.body;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    headers["content-length"] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const secure = target.protocol === "https:";
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: "POST",
          headers,
          agent: agents[target.protocol as "http:" | "https:"],
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const status = res.statusCode ?? 502;
            const answer = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(", ") : value);
            }
            resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: answer }));
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
