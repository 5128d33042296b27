import type { AuthorizeRequest } from "@pea/client";
import { placeholder, type ToolMapping } from "./tools-config.js";

/** A tool call's arguments do not fit its mapping (missing, or not text where text is needed). */
export class MappingError extends Error {
  override readonly name = "MappingError";
}

type Target = Pick<AuthorizeRequest, "action" | "resource" | "context">;

const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function argument(args: Record<string, unknown>, name: string): unknown {
  if (!(name in args) || args[name] === undefined) throw new MappingError(`argument ${name} is missing`);
  return args[name];
}

function fill(template: string, args: Record<string, unknown>): string {
  return template.replace(placeholder, (_, name: string) => {
    const value = argument(args, name);
    if (typeof value !== "string" && typeof value !== "number")
      throw new MappingError(`argument ${name} must be a string or a number`);
    return String(value);
  });
}

function value(template: unknown, args: Record<string, unknown>): unknown {
  if (typeof template !== "string") return template;
  const name = whole.exec(template)?.[1];
  return name ? argument(args, name) : fill(template, args);
}

const values = (templates: Record<string, unknown>, args: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, value(t, args)]));

/**
 * What PEA is asked for a call of `tool`: its configured mapping, or else the AuthZEN MCP profile's
 * default, action `tool:<name>` on resource Tool::<name>.
 */
export function targetOf(tool: string, mapping: ToolMapping | undefined, args: Record<string, unknown>): Target {
  if (!mapping) return { action: `tool:${tool}`, resource: { type: "Tool", id: tool }, context: {} };
  const { attributes } = mapping.resource;
  return {
    action: mapping.action,
    resource: {
      type: mapping.resource.type,
      id: fill(mapping.resource.id, args),
      ...(attributes ? { attributes: values(attributes, args) } : {}),
    },
    context: values(mapping.context ?? {}, args),
  };
}
