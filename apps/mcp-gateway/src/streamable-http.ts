// The gateway's side of MCP's Streamable HTTP transport, stateless with JSON answers: each POST is
// read, checked and answered on its own, like the SDK's StreamableHTTPServerTransport with
// `sessionIdGenerator: undefined` and `enableJsonResponse: true`, minus what the gateway never uses
// (sessions, server-sent streams, server-to-client requests). Built here, not from the SDK's Server
// and transport per request, because those cost ~3 ms of CPU per call on the development machine,
// more than PEA's decision (`npm run bench:gateway` prints each process's CPU per call). The
// messages are still checked with the SDK's own schemas.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type Implementation,
  InitializeRequestSchema,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";

/** What an MCP tool server answers: the two tool methods (initialize and ping are answered here). */
export interface ToolMethods {
  listTools(): Promise<Tool[]>;
  callTool(params: CallToolRequest["params"]): Promise<CallToolResult>;
}

/** The SDK's limits for one POST: 4 MiB, and 100 messages in a batch. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_BATCH = 100;

/** A JSON-RPC error answered before any message is handled (the SDK's statuses and codes). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON-RPC error answered for one request of the POST. */
class MethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

const errorBody = (code: number, message: string, id: JSONRPCRequest["id"] | null = null) => ({
  jsonrpc: "2.0",
  error: { code, message },
  id,
});

/**
 * The body as text, refused with 413 past the limit: a declared length at once, a streamed body as
 * soon as it passes the limit (what follows is discarded, never held). A body whose sender goes
 * away before its end fails the read (Node reports it as the request's error), so none waits forever.
 */
function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      chunks.length = 0;
      reject(tooLarge());
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const tooLarge = () =>
  new Refusal(413, -32000, `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes`);

/** `application/json`, with or without parameters (a media type, not a substring). */
const isJson = (contentType: string | undefined) =>
  contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";

/** The POST's messages, checked as the SDK's transport checks them, and whether they came as a batch. */
async function readMessages(req: IncomingMessage): Promise<{ messages: JSONRPCMessage[]; batch: boolean }> {
  const accept = req.headers.accept ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) {
    throw new Refusal(406, -32000, "Not Acceptable: Client must accept both application/json and text/event-stream");
  }
  if (!isJson(req.headers["content-type"])) {
    throw new Refusal(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(400, ErrorCode.ParseError, "Parse error: Invalid JSON");
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_BATCH) {
    throw new Refusal(400, ErrorCode.InvalidRequest, `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`);
  }
  const messages: JSONRPCMessage[] = [];
  for (const message of list) {
    const parsed = JSONRPCMessageSchema.safeParse(message);
    if (!parsed.success) throw new Refusal(400, ErrorCode.ParseError, "Parse error: Invalid JSON-RPC message");
    messages.push(parsed.data);
  }
  const initializing = messages.some((m) => "method" in m && m.method === "initialize");
  if (initializing && messages.length > 1) {
    throw new Refusal(400, ErrorCode.InvalidRequest, "Invalid Request: Only one initialization request is allowed");
  }
  const version = req.headers["mcp-protocol-version"];
  if (!initializing && typeof version === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    throw new Refusal(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
    );
  }
  return { messages, batch: Array.isArray(raw) };
}

/** One request's result; MethodError for what the caller got wrong. */
async function resultOf(request: JSONRPCRequest, methods: ToolMethods, info: Implementation): Promise<unknown> {
  switch (request.method) {
    case "initialize": {
      const parsed = InitializeRequestSchema.safeParse(request);
      if (!parsed.success) throw new MethodError(ErrorCode.InvalidParams, "Invalid params for initialize");
      const asked = parsed.data.params.protocolVersion;
      return {
        protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION,
        capabilities: { tools: {} },
        serverInfo: info,
      };
    }
    case "ping":
      return {};
    case "tools/list":
      return { tools: await methods.listTools() };
    case "tools/call": {
      const parsed = CallToolRequestSchema.safeParse(request);
      if (!parsed.success) throw new MethodError(ErrorCode.InvalidParams, "Invalid params for tools/call");
      return methods.callTool(parsed.data.params);
    }
    default:
      throw new MethodError(ErrorCode.MethodNotFound, "Method not found");
  }
}

/**
 * Answer one HTTP request to the MCP endpoint. Notifications and responses are accepted (202) and
 * dropped: a stateless server has nothing to do with them. A method that fails unexpectedly is a
 * JSON-RPC internal error that names nothing internal; `onError` hears what it was.
 */
export async function answerMcp(
  req: IncomingMessage,
  res: ServerResponse,
  methods: ToolMethods,
  options: { info: Implementation; onError: (error: unknown) => void },
): Promise<void> {
  if (req.method !== "POST") {
    // No server-sent stream to open (GET) and no session to end (DELETE).
    send(res, 405, errorBody(-32000, "Method not allowed."), { allow: "POST" });
    return;
  }
  let read: Awaited<ReturnType<typeof readMessages>>;
  try {
    read = await readMessages(req);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    send(res, error.status, errorBody(error.code, error.message));
    return;
  }
  const requests = read.messages.filter((m): m is JSONRPCRequest => "method" in m && "id" in m);
  if (requests.length === 0) {
    res.writeHead(202).end();
    return;
  }
  const answers = await Promise.all(
    requests.map(async (request) => {
      try {
        return { jsonrpc: "2.0", id: request.id, result: await resultOf(request, methods, options.info) };
      } catch (error) {
        if (error instanceof MethodError) return errorBody(error.code, error.message, request.id);
        options.onError(error);
        return errorBody(ErrorCode.InternalError, "Internal error", request.id);
      }
    }),
  );
  send(res, 200, read.batch ? answers : answers[0]);
}
