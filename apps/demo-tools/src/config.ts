import { port, serviceEnv } from "@pea/schemas";
import { z } from "zod";

/** What the demo tool server reads from its environment, parsed once at start. */
export const DemoToolsConfig = z.object({
  PEA_HOST: serviceEnv.PEA_HOST,
  PEA_DEMO_TOOLS_TRANSPORT: z
    .enum(["stdio", "http"])
    .default("stdio")
    .describe("How the demo bank's MCP tool server is reached: stdio (spawned by the gateway) or HTTP"),
  PEA_DEMO_TOOLS_PORT: port.default(8704).describe("Port of the demo bank's MCP tool server when served over HTTP"),
});
export type DemoToolsConfig = z.infer<typeof DemoToolsConfig>;
