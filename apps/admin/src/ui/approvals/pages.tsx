/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Approval } from "@pea/policy-store";
import { when } from "../components.js";
import { Csrf, Empty, FormError, Layout, type PageState, refText, Status } from "../layout.js";

export const approvalTabs = ["pending", "approved", "rejected", "used", "expired", "all"];

function ApprovalCard({ state, approval: a, canDecide }: { state: PageState; approval: Approval; canDecide: boolean }) {
  const r = a.request;
  const amount = r.resource.attributes?.amount;
  return (
    <li class="card" data-testid={`approval-${a.id}`}>
      <div class="row wrap">
        <strong>{r.action}</strong> <span>{refText(r.resource)}</span>
        {amount !== undefined ? (
          <span class="chip">
            {typeof amount === "number" ? amount.toLocaleString("en-US") : String(amount)}{" "}
            {String(r.resource.attributes?.currency ?? "")}
          </span>
        ) : null}
        <Status status={a.status} />
      </div>
      <p class="muted">
        asked by {[...r.chain.map(refText), refText(r.principal)].join(" → ")}
        {r.intent ? ` for ${r.intent}` : ""} · {when(a.createdAt)} · expires {when(a.expiresAt)} · needs{" "}
        {a.requirements.map((q) => `${q.approvers} of ${q.group}`).join(", ")}
      </p>
      {a.votes.length > 0 ? (
        <ul class="list">
          {a.votes.map((v) => (
            <li>
              {v.user} <Status status={v.vote === "approve" ? "approved" : "rejected"} /> {v.reason ?? ""}
            </li>
          ))}
        </ul>
      ) : null}
      {a.status === "pending" && canDecide ? (
        <form method="post" action={`/approvals/${encodeURIComponent(a.id)}`} class="row wrap">
          <Csrf state={state} />
          <label for={`reason-${a.id}`}>Reason</label>
          <input id={`reason-${a.id}`} name="reason" placeholder="required to reject" />
          <button type="submit" name="vote" value="approve" class="primary">
            Approve
          </button>
          <button type="submit" name="vote" value="reject" class="danger">
            Reject
          </button>
          <FormError state={state} form={`approval-${a.id}`} />
        </form>
      ) : null}
    </li>
  );
}

export function ApprovalsPage(props: { state: PageState; approvals: Approval[]; status: string }) {
  const { state } = props;
  const canDecide = state.allowed.has("admin:approval.decide");
  return (
    <Layout title="Approvals" path="/approvals" state={state}>
      <nav aria-label="Approval status" class="tabs">
        <ul class="chips">
          {approvalTabs.map((t) => (
            <li>
              <a href={`/approvals?status=${t}`} class="chip" aria-current={props.status === t ? "page" : undefined}>
                {t}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.approvals.length === 0 ? (
        <Empty>{props.status === "pending" ? "Nothing waits for a decision." : `No ${props.status} approvals.`}</Empty>
      ) : (
        <ul class="cards" id="approvals" data-refresh="5000" aria-live="polite">
          {props.approvals.map((a) => (
            <ApprovalCard state={state} approval={a} canDecide={canDecide} />
          ))}
        </ul>
      )}
    </Layout>
  );
}
