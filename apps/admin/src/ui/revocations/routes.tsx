/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RevocationTargetType } from "@pea/policy-store";
import { revocationTargetTypeValues } from "@pea/schemas";
import { one, type Render, type UiApp, type UiKit } from "../kit.js";
import { RevocationsPage } from "./pages.js";

export function revocationRoutes(ui: UiApp, kit: UiKit): void {
  const ov = kit.deps.oversight;
  const render: Render = async (c, s) =>
    kit.orRefused(c, s, "Revocations", async () =>
      c.html(
        <RevocationsPage
          state={s}
          revocations={await ov.listRevocations(c.get("actor"))}
          canRevoke={s.allowed.has("admin:run.control")}
        />,
      ),
    );
  kit.page(ui, "/revocations", render, {
    "/revocations": {
      formId: "revoke",
      done: (form) => `${one(form, "type")} ${one(form, "id")} revoked.`,
      confirm: (form) => ({
        title: `Revoke ${one(form, "type")} ${one(form, "id")}?`,
        text: "Every decision service denies it from its next decision on; this cannot be undone.",
      }),
      work: (actor, form) => {
        const type = one(form, "type");
        const target = {
          type: ((revocationTargetTypeValues as readonly string[]).includes(type)
            ? type
            : "Agent") as RevocationTargetType,
          id: one(form, "id"),
        };
        return ov.revoke(actor, { target, reason: one(form, "reason") }, kit.deps.engine.trust);
      },
    },
  });
}
