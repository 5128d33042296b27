// The gateway's Streamable HTTP answer on its own (no PDP, no upstream): the real MCP SDK client
// speaks to it, and an attacker's requests get the SDK transport's refusals, never a 500 or a
// method run on a request that should have been refused.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { answerMcp, type ToolMethods } from "./streamable-http.js";

const calls: Array<{ name: string; arguments?: Record<string, unknown> | undefined }> = [];
const errors: unknown[] = [];
const methods: ToolMethods = {
  listTools: async () => [{ name: "echo", inputSchema: { type: "object" } }],
  callTool: async (params) => {
    calls.push(params);
    if (params.name === "explode") throw new Error("secret internal detail");
    // The argument names, not the values: a value may be nested past what JSON.stringify takes.
    return { content: [{ type: "text", text: Object.keys(params.arguments ?? {}).join() }] } as CallToolResult;
  },
};

let server: Server;
let url: string;
/** Answers not yet settled: one left here would be a read waiting forever. */
const unsettled = new Set<Promise<void>>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = answerMcp(req, res, methods, {
      info: { name: "test", version: "1" },
      onError: (error) => errors.push(error),
    }).finally(() => unsettled.delete(answer));
    unsettled.add(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const headers = { accept: "application/json, text/event-stream", "content-type": "application/json" };
const post = (body: string, extra: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { ...headers, ...extra }, body });
const request = (method: string, params: unknown = {}, id: number | string = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  params,
});

describe("the gateway's Streamable HTTP answer", () => {
  it("serves the real SDK client: initialize, tools/list, tools/call, ping", async () => {
    const client = new Client({ name: "test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect(client.getServerVersion()).toEqual({ name: "test", version: "1" });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["echo"]);
    const result = await client.callTool({ name: "echo", arguments: { id: "x" } });
    expect(result.content).toEqual([{ type: "text", text: "id" }]);
    await client.ping();
    await client.close();
  });

  it("answers a batch as a batch, and a notification alone with 202", async () => {
    const batch = await post(JSON.stringify([request("ping", {}, 1), request("tools/list", {}, "two")]));
    expect(batch.status).toBe(200);
    const answers = (await batch.json()) as Array<{ id: unknown; result?: unknown }>;
    expect(answers.map((a) => a.id)).toEqual([1, "two"]);
    const single = await post(JSON.stringify([request("ping")]));
    expect(Array.isArray(await single.json())).toBe(true);
    const notification = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    expect(notification.status).toBe(202);
  });

  it("refuses what the SDK's transport refuses, before any method runs", async () => {
    const before = calls.length;
    const call = JSON.stringify(request("tools/call", { name: "echo", arguments: {} }));
    const cases: Array<[Promise<Response>, number, number]> = [
      [fetch(url), 405, -32000],
      [fetch(url, { method: "DELETE" }), 405, -32000],
      [post(call, { accept: "application/json" }), 406, -32000],
      [post(call, { "content-type": "text/plain" }), 415, -32000],
      [post(call, { "content-type": "application/jsonx" }), 415, -32000],
      [post("{not json"), 400, -32700],
      [post(JSON.stringify({ hello: "world" })), 400, -32700],
      [post(JSON.stringify(Array.from({ length: 101 }, (_, i) => request("ping", {}, i)))), 400, -32600],
      [
        post(JSON.stringify([request("initialize", { protocolVersion: "2025-06-18" }), request("ping", {}, 2)])),
        400,
        -32600,
      ],
      [post(call, { "mcp-protocol-version": "1999-01-01" }), 400, -32000],
    ];
    for (const [answer, status, code] of cases) {
      const response = await answer;
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(code);
    }
    expect(calls.length).toBe(before);
  });

  it("refuses a body over 4 MiB with 413, declared or streamed", async () => {
    const big = JSON.stringify(
      request("tools/call", { name: "echo", arguments: { pad: "x".repeat(4 * 1024 * 1024) } }),
    );
    expect((await post(big)).status).toBe(413);
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await fetch(url, { method: "POST", headers, body: chunked, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    // A body that passes the limit and never ends is answered without waiting for its end.
    const endless = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", headers }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.write(`{"pad":"${"x".repeat(5 * 1024 * 1024)}`);
    });
    expect(endless).toBe(413);
  });

  it("settles the answer when the sender goes away before its body ends, running no method", async () => {
    const before = calls.length;
    for (const leave of ["reset", "half-close"] as const) {
      const req = httpRequest(url, { method: "POST", headers: { ...headers, "content-length": "1000" } });
      req.on("error", () => {});
      req.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"`);
      await vi.waitFor(() => expect(unsettled.size).toBe(1));
      if (leave === "reset") req.destroy();
      else req.socket?.end();
      await vi.waitFor(() => expect(unsettled.size).toBe(0), { timeout: 5_000 });
    }
    expect(calls.length).toBe(before);
  });

  it("takes a body 5,000 levels deep without failing (the PDP judges its depth)", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"deep":${deep}}}}`;
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result?: unknown }).result).toEqual({
      content: [{ type: "text", text: "deep" }],
    });
    const bare = await post(deep);
    expect(bare.status).toBe(400);
  });

  it("answers wrong params, unknown methods and a failing method per request, naming nothing internal", async () => {
    const answers = (await (
      await post(
        JSON.stringify([
          request("tools/call", { name: 42 }, 1),
          request("resources/list", {}, 2),
          request("tools/call", { name: "explode" }, 3),
        ]),
      )
    ).json()) as Array<{ id: number; error: { code: number; message: string } }>;
    expect(answers.map((a) => [a.id, a.error.code])).toEqual([
      [1, -32602],
      [2, -32601],
      [3, -32603],
    ]);
    expect(JSON.stringify(answers)).not.toContain("secret");
    expect(errors.some((e) => (e as Error).message === "secret internal detail")).toBe(true);
  });

  it("negotiates the protocol version: the client's when supported, else the latest", async () => {
    const version = async (asked: string) =>
      (
        (await (await post(JSON.stringify(request("initialize", initialize(asked))))).json()) as {
          result: { protocolVersion: string };
        }
      ).result.protocolVersion;
    expect(await version("2025-03-26")).toBe("2025-03-26");
    expect(await version("1999-01-01")).not.toBe("1999-01-01");
  });
});

const initialize = (protocolVersion: string) => ({
  protocolVersion,
  capabilities: {},
  clientInfo: { name: "test", version: "1" },
});
