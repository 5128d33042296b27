/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Form, idOf, listsFor, one, type Render, type UiApp, type UiKit } from "../kit.js";
import { SodPage } from "./pages.js";

/** Separation of duties: declared conflicts and wall crossings. */
export function sodRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const ov = kit.deps.oversight;
  const render: Render = async (c, s) => {
    const { conflicts, crossings, groups, users } = await listsFor(c, {
      conflicts: (a) => ov.listSodConflicts(a),
      crossings: (a) => ov.listWallCrossings(a),
      groups: ent.listGroups,
      users: ent.listUsers,
    });
    return c.html(
      <SodPage
        state={s}
        conflicts={conflicts}
        crossings={crossings}
        groups={groups.map((g) => g.id)}
        users={users.map((u) => u.id)}
      />,
    );
  };
  const minutes = (form: Form) => Number(one(form, "minutes") || "60");
  kit.page(ui, "/sod", render, {
    "/sod/conflicts": {
      formId: "sod",
      done: (f) => `Group::${one(f, "a")} and Group::${one(f, "b")} now conflict.`,
      work: (a, f) => ov.declareSodConflict(a, { a: one(f, "a"), b: one(f, "b"), description: one(f, "description") }),
    },
    "/sod/crossings": {
      formId: "crossing",
      done: (f) => `${one(f, "user")} is over the wall for ${one(f, "issuer")} for ${minutes(f)} minutes.`,
      work: (a, f) =>
        ov.grantWallCrossing(a, {
          user: one(f, "user"),
          issuer: one(f, "issuer"),
          reason: one(f, "reason"),
          ttlSeconds: Math.round(minutes(f) * 60),
        }),
    },
    "/sod/crossings/:id/revoke": {
      formId: "crossing",
      confirm: () => ({ title: "Revoke the wall crossing?", text: "The person's next decision is denied." }),
      done: () => "Wall crossing revoked.",
      work: (a, _f, c) => ov.revokeWallCrossing(a, idOf(c)),
    },
  });
}
