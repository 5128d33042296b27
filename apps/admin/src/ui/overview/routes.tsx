/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { UiApp, UiKit } from "../kit.js";
import { OverviewPage } from "./pages.js";

/** GET /: the overview, the page a compliance officer lands on after signing in. */
export function overviewRoutes(ui: UiApp, kit: UiKit): void {
  ui.get("/", async (c) => {
    const s = await kit.state(c);
    return kit.orRefused(c, s, "Overview", async () =>
      c.html(<OverviewPage state={s} overview={await kit.deps.oversight.overview(c.get("actor"))} />),
    );
  });
}
