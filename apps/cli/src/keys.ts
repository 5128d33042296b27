import { createApiKey, createDemoKeys } from "@pea/policy-store";
import { type ApiKeyKind, type ApiKeyScope, apiKeyScopes } from "@pea/schemas";
import type { CliConfig } from "./config.js";
import { withStore } from "./store.js";
import { type Out, readFlags, UsageError } from "./usage.js";

export const keysUsage = `  pea keys create --name N (--user U | --agent A [--agent B]... [--group G]... | --gateway | --admin) [--scope S]...
                                               create an API key (shown once); scopes: ${apiKeyScopes.join(", ")}
                                               a user key speaks for its user; an agent (service) key for the
                                               agents it hosts; a gateway key for principals whose delegation
                                               each request proves; an admin key administers, for nobody
  pea keys demo                                create the demo's keys: each user's, each agent runtime's, a gateway's`;

export async function keysCommand(sub: string | undefined, args: string[], config: CliConfig, out: Out) {
  if (sub === "create") return keysCreate(config, args, out);
  if (sub === "demo") return keysDemo(config, out);
  throw new UsageError("keys takes: create, demo");
}

async function keysCreate(config: CliConfig, args: string[], out: Out): Promise<number> {
  const values = readFlags(args, {
    name: { type: "string" },
    user: { type: "string" },
    agent: { type: "string", multiple: true },
    group: { type: "string", multiple: true },
    gateway: { type: "boolean" },
    admin: { type: "boolean" },
    scope: { type: "string", multiple: true },
  });
  if (!values.name) throw new UsageError("keys create needs --name");
  const kinds: ApiKeyKind[] = [];
  if (values.user !== undefined) kinds.push("user");
  if (values.agent !== undefined || values.group !== undefined) kinds.push("service");
  if (values.gateway) kinds.push("gateway");
  if (values.admin) kinds.push("admin");
  const [kind] = kinds;
  if (kind === undefined || kinds.length > 1) {
    throw new UsageError("keys create needs exactly one of --user, --agent/--group, --gateway, --admin");
  }
  const scopes = (values.scope ?? (kind === "admin" ? ["admin"] : ["authorize"])) as ApiKeyScope[];
  return withStore(config, async (db) => {
    const { id, key } = await createApiKey(db, {
      name: values.name as string,
      kind,
      userId: values.user,
      agents: values.agent,
      agentGroups: values.group,
      scopes,
      actor: "cli",
    });
    const bound = values.user ?? [...(values.agent ?? []), ...(values.group ?? []).map((g) => `group ${g}`)].join(", ");
    out.log(
      `created ${kind} key ${id} (${scopes.join(", ")}${bound ? `; for ${bound}` : ""}); it is shown only once:\n${key}`,
    );
    return 0;
  });
}

async function keysDemo(config: CliConfig, out: Out): Promise<number> {
  return withStore(config, async (db) => {
    const made = await createDemoKeys(db, "cli");
    out.log("the demo's keys (shown only once):");
    for (const k of made) out.log(`${k.kind.padEnd(8)} ${k.holder.padEnd(22)} ${k.key}`);
    return 0;
  });
}
