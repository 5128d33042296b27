/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Revocation } from "@pea/policy-store";
import { revocationTargetTypeValues } from "@pea/schemas";
import { DataTable, Field, FormCard, SelectField, when } from "../components.js";
import { Layout, type PageState } from "../layout.js";

/** Revocations: what was stopped, by whom and why; and the form that stops an agent, run, task, grant or artifact. */
export function RevocationsPage(props: { state: PageState; revocations: Revocation[]; canRevoke: boolean }) {
  const { state } = props;
  return (
    <Layout title="Revocations" path="/revocations" state={state}>
      <p>
        A revocation takes effect in every decision service at once and for good: the next decision about the target is
        a deny and its unredeemed artifacts die. The target must exist (a typo is refused).
      </p>
      {props.canRevoke ? (
        <FormCard state={state} form="revoke" summary="Revoke something" action="/revocations" submit="Revoke">
          <SelectField state={state} id="rv-type" name="type" label="What" values={[...revocationTargetTypeValues]} />
          <Field
            state={state}
            id="rv-id"
            name="id"
            label="Id"
            required
            placeholder="research-assistant, run_…, market-research-report, agent/intent, dec_…"
          />
          <Field state={state} id="rv-reason" name="reason" label="Reason" required />
        </FormCard>
      ) : null}
      <DataTable
        id="revocations"
        caption="Revocations, newest first"
        columns={["When", "What", "Target", "Reason", "By"]}
        items={props.revocations}
        empty="Nothing has been revoked."
        rowHeads={false}
        rowTestId={(r) => `revocation-${r.target.type}-${r.target.id}`}
        cells={(r) => [when(r.createdAt), r.target.type, targetLink(r.target), r.reason, r.by]}
      />
    </Layout>
  );
}

/** Where a revoked target is shown in the console. */
function targetLink(target: Revocation["target"]) {
  const id = encodeURIComponent(target.id);
  switch (target.type) {
    case "Agent":
      return <a href={`/people/agents/${id}`}>{target.id}</a>;
    case "Run":
      return <a href={`/runs/${id}`}>{target.id}</a>;
    case "Intent":
      return <a href="/intents">{target.id}</a>;
    case "Grant":
      return <a href={`/people/agents/${encodeURIComponent(target.id.split("/")[0] ?? "")}`}>{target.id}</a>;
    default:
      return <code>{target.id}</code>;
  }
}

/** "revoked" beside a target wherever it is listed. */
export function RevokedMark({ revocation }: { revocation: Revocation | undefined }) {
  if (!revocation) return null;
  return (
    <span
      class="badge revoked"
      title={`revoked ${when(revocation.createdAt)} by ${revocation.by}: ${revocation.reason}`}
    >
      revoked
    </span>
  );
}
