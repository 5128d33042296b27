/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Form, one, type Render, type UiApp, type UiKit } from "../kit.js";
import { GroupsPage } from "./pages.js";

export const renderGroups =
  (kit: UiKit): Render =>
  async (c, s) => {
    const actor = c.get("actor");
    const ent = kit.deps.entitlements;
    const [groups, segments] = await Promise.all([ent.listGroups(actor), ent.listSegments(actor)]);
    return c.html(<GroupsPage state={s} groups={groups} segments={segments} q={c.req.query("q")} />);
  };

/** Groups and information-barrier segments (memberships live on the people pages). */
export function groupRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const render = renderGroups(kit);
  const segment = (form: Form) => one(form, "kind") === "segment";
  kit.page(ui, "/groups", render, {
    "/groups": {
      formId: (f) => (segment(f) ? "new-segment" : "new-group"),
      done: (f) => `${segment(f) ? "Segment" : "Group"} ${one(f, "id")} created.`,
      work: (a, f) => {
        const input = { id: one(f, "id"), description: one(f, "description") };
        return segment(f) ? ent.createSegment(a, input) : ent.createGroup(a, input);
      },
    },
  });
}
