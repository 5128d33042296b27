import { configFileEnv, parseEnv, port, serviceEnv, tokenAudienceEnv } from "@pea/schemas";
import { z } from "zod";

/** Everything the MCP gateway reads from its environment, parsed once at start. */
export const GatewayConfig = z.object({
  ...configFileEnv,
  PEA_HOST: serviceEnv.PEA_HOST,
  PEA_LOG_LEVEL: serviceEnv.PEA_LOG_LEVEL,
  PEA_MCP_PORT: port.default(8702).describe("Port of the MCP gateway (Streamable HTTP at /mcp)"),
  PEA_MCP_TOOLS: z
    .string()
    .min(1)
    .describe("JSON file naming the upstream MCP servers and how their tools map to PEA requests"),
  PEA_MCP_PDP_URL: z.string().url().default("http://127.0.0.1:8700").describe("Base URL of the PDP the gateway asks"),
  PEA_MCP_API_KEY: z
    .string()
    .min(1)
    .describe("The gateway's API key (kind gateway, scope authorize): it asks PEA on behalf of each bearer"),
  PEA_MCP_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(1500)
    .describe("A decision slower than this many milliseconds is a deny"),
  PEA_MCP_UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60_000)
    .describe("How long an upstream tool call may run"),
  ...tokenAudienceEnv,
  PEA_MCP_RESOURCE_URL: z
    .string()
    .url()
    .optional()
    .describe("The gateway's public MCP URL in its protected-resource metadata (default: http://<host>:<port>/mcp)"),
  PEA_MCP_AUTHORIZATION_SERVERS: z
    .string()
    .default("")
    .describe("Comma-separated issuers of the bearer tokens, listed in the protected-resource metadata")
    .transform((s) =>
      s
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean),
    ),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export const parseGatewayConfig = (env: Record<string, string | undefined>): GatewayConfig =>
  parseEnv(GatewayConfig, env);
