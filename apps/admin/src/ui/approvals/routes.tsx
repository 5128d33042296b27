/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Form, idOf, one, type Render, type UiApp, type UiKit } from "../kit.js";
import { ApprovalsPage, approvalTabs } from "./pages.js";

export function approvalRoutes(ui: UiApp, kit: UiKit): void {
  const ov = kit.deps.oversight;
  const render: Render = async (c, s) => {
    const asked = c.req.query("status") ?? "pending";
    const status = approvalTabs.includes(asked) ? asked : "pending";
    const approvals = await ov.listApprovals(c.get("actor"), status === "all" ? undefined : (status as "pending"));
    return c.html(<ApprovalsPage state={s} approvals={approvals} status={status} />);
  };
  const vote = (form: Form) => (one(form, "vote") === "reject" ? "reject" : "approve");
  kit.page(ui, "/approvals", render, {
    "/approvals/:id": {
      formId: (_f, c) => `approval-${idOf(c)}`,
      done: (f, c) => `Approval ${idOf(c)}: ${vote(f) === "approve" ? "approved" : "rejected"}.`,
      work: (a, f, c) => ov.decideApproval(a, idOf(c), vote(f), one(f, "reason") || undefined),
    },
  });
}
