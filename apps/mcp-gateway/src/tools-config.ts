// The gateway's tools file: which upstream MCP servers it fronts and how a tool call becomes a
// PEA request. A mapping fixes the action and the resource type; the caller's arguments may fill
// in only ids, attributes and context. A mapping that would let a caller choose its own resource
// type (or action) is refused here, before the gateway starts.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";

/** `{name}` in a template: the tool call's argument `name`. */
export const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const fixedEntityType = z
  .string()
  .regex(
    /^[A-Z][A-Za-z0-9_]*$/,
    "must be a fixed entity type such as Dataset: a tool call's arguments may not choose the resource type",
  );
const fixedAction = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, "must be a fixed action name such as dataset:read: a tool call may not choose it");
/** A string with {argument} placeholders, e.g. "{id}" or "{folder}-drafts". */
const idTemplate = z.string().min(1).max(256);
/** A literal JSON value, or exactly "{argument}" for the argument's value as given. */
const valueTemplate = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);

export const ToolMapping = z
  .object({
    action: fixedAction,
    resource: z
      .object({
        type: fixedEntityType,
        id: idTemplate,
        attributes: z.record(z.string(), valueTemplate).optional(),
      })
      .strict(),
    context: z.record(z.string(), valueTemplate).optional(),
    listWith: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Sample arguments: tools/list lists the tool when the caller could be allowed this call"),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    if (!mapping.listWith && argumentsOf(mapping).length > 0)
      ctx.addIssue({
        code: "custom",
        path: ["listWith"],
        message: `sample arguments (${argumentsOf(mapping).join(", ")}) are needed to decide whether to list the tool`,
      });
  });
export type ToolMapping = z.infer<typeof ToolMapping>;

const Upstream = z.discriminatedUnion("transport", [
  z
    .object({
      transport: z.literal("stdio"),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).optional(),
      /** Relative to the tools file. */
      cwd: z.string().optional(),
    })
    .strict(),
  z.object({ transport: z.literal("http"), url: z.string().url() }).strict(),
]);
export type Upstream = z.infer<typeof Upstream>;

export const ToolsConfig = z
  .object({
    upstreams: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), Upstream).refine((u) => Object.keys(u).length > 0, {
      message: "name at least one upstream MCP server",
    }),
    tools: z.record(z.string().min(1).max(128), ToolMapping).default({}),
  })
  .strict();
export type ToolsConfig = z.infer<typeof ToolsConfig>;

/** The arguments a mapping reads. */
export function argumentsOf(mapping: Pick<ToolMapping, "resource" | "context">): string[] {
  const names = new Set<string>();
  const scan = (value: unknown) => {
    if (typeof value === "string") for (const m of value.matchAll(placeholder)) names.add(m[1] as string);
  };
  scan(mapping.resource.id);
  for (const v of Object.values(mapping.resource.attributes ?? {})) scan(v);
  for (const v of Object.values(mapping.context ?? {})) scan(v);
  return [...names];
}

/** Validate a tools file's content; throws naming the first problem's path. */
export function parseToolsConfig(value: unknown, baseDir: string): ToolsConfig {
  const parsed = ToolsConfig.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`tools file: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  for (const upstream of Object.values(parsed.data.upstreams))
    if (upstream.transport === "stdio") upstream.cwd = resolve(baseDir, upstream.cwd ?? ".");
  return parsed.data;
}

export function loadToolsConfig(path: string): ToolsConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`tools file ${path}: ${(error as Error).message}`);
  }
  return parseToolsConfig(value, dirname(resolve(path)));
}
