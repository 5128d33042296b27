// docs/configuration.md, generated from the zod schemas the programs parse their settings with
// (`npm run docs:config` writes it; test/build/config-reference.test.ts fails when it drifts).
import { AdminConfig } from "@pea/admin";
import { CliConfig } from "@pea/cli";
import { DemoToolsConfig } from "@pea/demo-tools";
import { GatewayConfig } from "@pea/mcp-gateway";
import { PdpConfig } from "@pea/pdp";
import { z } from "zod";

export const configReferencePath = new URL("../../docs/configuration.md", import.meta.url);

interface Setting {
  description?: string;
  default?: unknown;
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  format?: string;
}

const programs = [
  ["pdp", "the decision service (`apps/pdp`)", PdpConfig],
  ["admin", "the admin app (`apps/admin`)", AdminConfig],
  ["cli", "the `pea` command (`apps/cli`)", CliConfig],
  ["mcp-gateway", "the MCP gateway (`apps/mcp-gateway`)", GatewayConfig],
  ["demo-tools", "the demo bank's MCP tool server (`apps/demo-tools`)", DemoToolsConfig],
] as const;

function accepted(setting: Setting): string {
  if (setting.enum) return setting.enum.map((v) => `\`${v}\``).join(", ");
  if (setting.format === "uri") return "URL";
  if (setting.type === "integer" || setting.type === "number") {
    const whole = setting.type === "integer" ? "integer" : "number";
    const min = setting.minimum !== undefined ? `≥ ${setting.minimum}` : "";
    const max = setting.maximum !== undefined && setting.maximum < 2 ** 53 - 1 ? `≤ ${setting.maximum}` : "";
    return [whole, min, max].filter(Boolean).join(" ");
  }
  return "text";
}

const cell = (text: string) => text.replaceAll("|", "\\|");

export function configReference(): string {
  const rows = new Map<string, { setting: Setting; readBy: string[] }>();
  for (const [name, , schema] of programs) {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
      properties: Record<string, Setting>;
    };
    for (const [variable, setting] of Object.entries(json.properties)) {
      const row = rows.get(variable) ?? { setting, readBy: [] };
      row.readBy.push(name);
      rows.set(variable, row);
    }
  }
  const missing = [...rows].filter(([, r]) => !r.setting.description).map(([v]) => v);
  if (missing.length > 0) throw new Error(`settings without a description (.describe): ${missing.join(", ")}`);
  const lines = [
    "# Configuration",
    "",
    "<!-- Generated from the zod schemas in apps/*/src/config.ts and schemas/src/config.ts by `npm run docs:config`; do not edit. -->",
    "",
    "Each program parses its settings once at start, from its environment and, when `PEA_CONFIG_FILE`",
    "names one, a JSON file of the same names (the environment wins; a name the program does not read",
    "is refused). A bad value stops the program with `configuration: NAME: problem`.",
    "",
    `Programs: ${programs.map(([name, what]) => `\`${name}\` is ${what}`).join("; ")}.`,
    "",
    "| variable | default | accepted | read by | meaning |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const [variable, { setting, readBy }] of rows) {
    const fallback = setting.default === undefined || setting.default === "" ? "—" : `\`${setting.default}\``;
    lines.push(
      `| \`${variable}\` | ${fallback} | ${cell(accepted(setting))} | ${readBy.join(", ")} | ${cell(setting.description ?? "")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
