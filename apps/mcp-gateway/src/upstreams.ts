import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolsConfig, Upstream } from "./tools-config.js";
import { upstreamFetch } from "./upstream-fetch.js";

/** The tools the upstream servers offer, each with the client that reaches it. */
export interface Catalog {
  tools: Map<string, { tool: Tool; client: Client; upstream: string }>;
  close(): Promise<void>;
}

function transportFor(upstream: Upstream) {
  if (upstream.transport === "http")
    return new StreamableHTTPClientTransport(new URL(upstream.url), { fetch: upstreamFetch() });
  return new StdioClientTransport({
    command: upstream.command,
    args: upstream.args,
    ...(upstream.cwd ? { cwd: upstream.cwd } : {}),
    // The child gets a minimal environment (the SDK's default) plus what the tools file names.
    ...(upstream.env ? { env: { ...defaultEnv(), ...upstream.env } } : {}),
    stderr: "inherit",
  });
}

const defaultEnv = () =>
  Object.fromEntries(["PATH", "HOME"].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));

/**
 * Connect to every upstream and read its tools. A tool offered twice, or a mapping for a tool no
 * upstream offers, stops the start: the gateway would otherwise guess.
 */
export async function connectUpstreams(config: ToolsConfig): Promise<Catalog> {
  const clients: Client[] = [];
  const tools: Catalog["tools"] = new Map();
  const close = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  };
  try {
    for (const [name, upstream] of Object.entries(config.upstreams)) {
      const client = new Client({ name: "pea-mcp-gateway", version: "0.1.0" });
      await client.connect(transportFor(upstream));
      clients.push(client);
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await client.listTools(cursor ? { cursor } : undefined);
        for (const tool of page.tools) {
          const other = tools.get(tool.name);
          if (other) throw new Error(`tool ${tool.name} is offered by both ${other.upstream} and ${name}`);
          tools.set(tool.name, { tool, client, upstream: name });
        }
        cursor = page.nextCursor;
      }
    }
    for (const tool of Object.keys(config.tools))
      if (!tools.has(tool)) throw new Error(`tools file: tools.${tool}: no upstream offers this tool`);
  } catch (error) {
    await close();
    throw error;
  }
  return { tools, close };
}
