/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { UiApp, UiKit } from "../kit.js";
import { PoliciesPage } from "./pages.js";

export function policyRoutes(ui: UiApp, kit: UiKit): void {
  const { engine, oversight: ov } = kit.deps;
  const loadedPolicies = () => {
    const inputs = engine.inputs();
    if ("decision" in inputs) return [];
    return [...inputs.policies.policies.values()]
      .map((p) => ({ id: p.id, effect: p.effect, file: p.file, line: p.line, reason: p.reason }))
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  };
  ui.get("/policies", async (c) => {
    const s = await kit.state(c);
    return kit.orRefused(c, s, "Policies", async () => {
      const { versions, activations, active } = await ov.policyVersions(c.get("actor"));
      return c.html(
        <PoliciesPage
          state={s}
          loadedVersion={engine.policyVersion}
          active={active}
          versions={versions}
          activations={activations}
          loaded={loadedPolicies()}
        />,
      );
    });
  });
}
