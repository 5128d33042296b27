/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { UiApp, UiKit } from "../kit.js";
import { AuditPage } from "./pages.js";

export function auditRoutes(ui: UiApp, kit: UiKit): void {
  const ov = kit.deps.oversight;
  ui.get("/audit", async (c) => {
    const s = await kit.state(c);
    const q = c.req.query();
    const filters: Record<string, string> = {};
    for (const k of ["principal", "run", "decision", "reason", "kind"]) if (q[k]) filters[k] = q[k] as string;
    return kit.orRefused(c, s, "Audit", async () => {
      const page = await ov.searchAudit(c.get("actor"), {
        principal: filters.principal,
        run: filters.run,
        decision: filters.decision === "allow" || filters.decision === "deny" ? filters.decision : undefined,
        reason: filters.reason,
        kind: filters.kind === "decision" || filters.kind === "change" ? filters.kind : undefined,
        after: q.after && /^\d+$/.test(q.after) ? Number(q.after) : undefined,
        limit: 100,
      });
      return c.html(<AuditPage state={s} entries={page.entries} filters={filters} nextCursor={page.nextCursor} />);
    });
  });
}
