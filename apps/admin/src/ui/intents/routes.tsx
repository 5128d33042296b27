/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { adminActions, EntitlementError } from "@pea/policy-store";
import { type Form, idOf, one, type Render, type UiApp, type UiKit } from "../kit.js";
import { IntentsPage } from "./pages.js";

/** "dataset:read on Dataset" per line → capabilities; a line that is not says which. */
const parseCapabilities = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const m = /^(\S+)\s+on\s+(\S+)$/.exec(line);
      if (!m) throw new EntitlementError("invalid_request", `line ${i + 1}: write “action on ResourceType”`);
      return { action: m[1] as string, resourceType: m[2] as string };
    });

export function intentRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const schemaActions = () =>
    [...(kit.deps.schema()?.actions.keys() ?? [])].filter((a) => !(adminActions as readonly string[]).includes(a));
  const render: Render = async (c, s) => {
    const intents = await ent.listIntents(c.get("actor"));
    return c.html(<IntentsPage state={s} intents={intents} actions={schemaActions()} q={c.req.query("q")} />);
  };
  const capabilities = (form: Form) => parseCapabilities(one(form, "capabilities"));
  kit.page(ui, "/intents", render, {
    "/intents": {
      formId: "new-intent",
      done: (f) => `Intent ${one(f, "id")} created.`,
      work: (a, f) =>
        ent.createIntent(a, { id: one(f, "id"), description: one(f, "description"), capabilities: capabilities(f) }),
    },
    "/intents/:id": {
      formId: (_f, c) => `intent-${idOf(c)}`,
      done: (_f, c) => `Capability set of ${idOf(c)} saved.`,
      work: (a, f, c) => ent.updateIntent(a, idOf(c), { capabilities: capabilities(f) }),
    },
  });
}
