/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AuditQuery } from "@pea/policy-store";
import { AuditQueryParams, parseTimeBound } from "@pea/schemas";
import type { UiApp, UiKit } from "../kit.js";
import { AuditPage, auditFilterNames } from "./pages.js";

export function auditRoutes(ui: UiApp, kit: UiKit): void {
  const ov = kit.deps.oversight;
  ui.get("/audit", async (c) => {
    const s = await kit.state(c);
    // What was asked, kept for the form and the paging links; only what reads cleanly is applied.
    const asked: Record<string, string> = {};
    for (const k of auditFilterNames) {
      const v = c.req.query(k)?.trim();
      if (v) asked[k] = v;
    }
    const parsed = AuditQueryParams.safeParse({ ...asked, ...cursorOf(c.req.query()), limit: "100" });
    const problem = parsed.success ? undefined : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)[0];
    return kit.orRefused(c, s, "Audit", async () => {
      const now = new Date();
      const query: AuditQuery = parsed.success
        ? {
            ...parsed.data,
            since: parsed.data.since ? parseTimeBound(parsed.data.since, now) : undefined,
            until: parsed.data.until ? parseTimeBound(parsed.data.until, now) : undefined,
          }
        : { limit: 100 };
      const page = await ov.searchAudit(c.get("actor"), query);
      return c.html(<AuditPage state={s} page={page} filters={asked} problem={problem} />);
    });
  });
}

const cursorOf = (q: Record<string, string>) => ({
  ...(q.before && /^\d+$/.test(q.before) ? { before: q.before } : {}),
  ...(q.after && /^\d+$/.test(q.after) ? { after: q.after } : {}),
});
