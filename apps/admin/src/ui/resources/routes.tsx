/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { EntitlementError } from "@pea/policy-store";
import { one, type Render, type UiApp, type UiKit } from "../kit.js";
import { ResourcesPage } from "./pages.js";

/** Entity types of the schema that are people, structure or admin targets, not resources. */
const notResources = ["User", "Agent", "Group", "Segment", "Intent", "AdminTarget", "Issuer"];

/** The attributes field: a JSON object, or a refusal naming the field. */
function attributesOf(text: string): Record<string, unknown> {
  let attributes: unknown;
  try {
    attributes = JSON.parse(text || "{}");
  } catch {
    throw new EntitlementError("invalid_request", "attributes: not valid JSON");
  }
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new EntitlementError("invalid_request", "attributes: must be a JSON object");
  }
  return attributes as Record<string, unknown>;
}

export function resourceRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const resourceTypes = () =>
    [...(kit.deps.schema()?.entityTypes.entries() ?? [])]
      .filter(([name, info]) => info.source === "store" && !notResources.includes(name))
      .map(([name]) => name);
  const render: Render = async (c, s) => {
    const resources = await ent.listResources(c.get("actor"));
    return c.html(<ResourcesPage state={s} resources={resources} types={resourceTypes()} q={c.req.query("q")} />);
  };
  kit.page(ui, "/resources", render, {
    "/resources": {
      formId: "resource",
      done: (f) => `${one(f, "type")}::${one(f, "id")} saved.`,
      work: async (a, f) => {
        const attributes = attributesOf(one(f, "attributes"));
        const segment = one(f, "segment");
        await ent.putResource(a, {
          type: one(f, "type"),
          id: one(f, "id"),
          attributes,
          parents: segment ? [{ type: "Segment", id: segment }] : [],
        });
      },
    },
  });
}
