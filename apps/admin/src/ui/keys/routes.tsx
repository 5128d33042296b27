/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ApiKeyScope } from "@pea/schemas";
import {
  describeError,
  formOf,
  idOf,
  many,
  one,
  refusalStatus,
  type UiApp,
  type UiContext,
  type UiKit,
  valuesOf,
} from "../kit.js";
import type { PageState } from "../layout.js";
import { KeysPage } from "./pages.js";

export function keyRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const render = async (c: UiContext, s: PageState, created?: string) => {
    const actor = c.get("actor");
    const [keys, users] = await Promise.all([ent.listApiKeys(actor), ent.listUsers(actor)]);
    return c.html(<KeysPage state={s} keys={keys} users={users} created={created} />);
  };
  ui.get("/keys", async (c) => render(c, await kit.state(c)));
  ui.post("/keys", async (c) => {
    const form = await formOf(c);
    try {
      const created = await ent.createApiKey(c.get("actor"), {
        name: one(form, "name"),
        userId: one(form, "userId"),
        scopes: many(form, "scopes") as ApiKeyScope[],
      });
      // The key is shown in this answer only; never put in a cookie or a redirect.
      return render(c, await kit.state(c, { flash: { kind: "ok", text: `Key ${created.id} created.` } }), created.key);
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(refusalStatus(error));
      return render(c, await kit.state(c, { errors: { key: message }, values: valuesOf(form) }));
    }
  });
  kit.post(ui, "/keys/:id/revoke", {
    formId: "key",
    back: "/keys",
    confirm: (_f, c) => ({ title: "Revoke key?", text: `Every PDP stops accepting key ${idOf(c)} at once.` }),
    done: (_f, c) => `Key ${idOf(c)} revoked.`,
    render: () => (c, s) => render(c, s),
    work: (a, _f, c) => ent.revokeApiKey(a, idOf(c)),
  });
}
