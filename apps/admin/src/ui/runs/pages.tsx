/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Lineage, RunRow } from "@pea/policy-store";
import { ActionButton, DataTable, Section, when } from "../components.js";
import { Empty, FormError, Layout, type PageState, refText, Status, TableSearch } from "../layout.js";

export const runStatuses = ["all", "active", "paused", "cancelled", "completed"];

export function RunsPage(props: { state: PageState; runs: RunRow[]; status: string; q?: string | undefined }) {
  const { state } = props;
  return (
    <Layout title="Runs" path="/runs" state={state}>
      <form method="get" action="/runs" class="toolbar">
        <TableSearch table="runs" label="Filter runs" q={props.q} />
        <div class="search">
          <label for="run-status">Status</label>
          <select id="run-status" name="status">
            {runStatuses.map((s) => (
              <option value={s} selected={props.status === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      <section id="runs-live" data-refresh="3000" aria-live="polite">
        <DataTable
          items={props.runs}
          empty={<>No runs{props.status !== "all" ? ` are ${props.status}` : " yet"}.</>}
          id="runs"
          filter="runs"
          caption="Runs, newest first (refreshes every few seconds)"
          columns={["Run", "Agent (for)", "Intent", "Status", "Started"]}
          cells={(r) => [
            <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>,
            <>
              {r.principal}
              {r.chain.length > 0 ? <div class="muted">for {r.chain.join(" → ")}</div> : null}
            </>,
            r.intent,
            <Status status={r.status} />,
            when(r.createdAt),
          ]}
        />
      </section>
    </Layout>
  );
}

type Ref = { type: string; id: string };

export function RunPage(props: {
  state: PageState;
  id: string;
  run: {
    status: string;
    principal: Ref;
    chain: Ref[];
    intent: string;
    purpose: string | null;
    expiresAt: string;
    createdAt: string;
  } | null;
  lineage: Lineage | undefined;
}) {
  const { state, run } = props;
  const can = state.allowed.has("admin:run.control");
  const control = (action: string, label: string, danger: boolean, confirm?: string) => (
    <ActionButton
      state={state}
      action={`/runs/${encodeURIComponent(props.id)}/${action}`}
      label={label}
      primary
      danger={danger}
      confirm={confirm}
      testid={`run-${action}`}
    />
  );
  return (
    <Layout title={`Run ${props.id}`} path="/runs" state={state}>
      {run ? (
        <div class="card">
          <p>
            <strong>{refText(run.principal)}</strong>
            {run.chain.length > 0 ? ` for ${run.chain.map(refText).join(" → ")}` : ""} · intent{" "}
            <strong>{run.intent}</strong> ·{" "}
            <span data-testid="run-status">
              <Status status={run.status} />
            </span>
          </p>
          <p class="muted">
            {run.purpose ? `${run.purpose} · ` : ""}started {when(run.createdAt)} · expires {when(run.expiresAt)}
          </p>
          {can ? (
            <div class="row wrap">
              {run.status === "active" ? control("pause", "Pause", false) : null}
              {run.status === "paused" ? control("resume", "Resume", false) : null}
              {run.status === "active" || run.status === "paused"
                ? control(
                    "cancel",
                    "Cancel run",
                    true,
                    "Cancel this run? It cannot be resumed; its next decision is denied.",
                  )
                : null}
            </div>
          ) : null}
          <FormError state={state} form="run" />
        </div>
      ) : null}
      <Section id="tl" title="Timeline">
        {props.lineage && props.lineage.events.length > 0 ? (
          <>
            <p class="muted">
              {props.lineage.decisions.total} decisions: {props.lineage.decisions.allowed} allowed,{" "}
              {props.lineage.decisions.denied} denied
            </p>
            <ol class="timeline" id="timeline">
              {props.lineage.events.map((e) => (
                <li>
                  <span class="muted">{when(e.time)}</span>{" "}
                  {e.kind === "decision" ? <Status status={e.what} /> : <span class="chip">{e.what}</span>} {e.summary}
                  <div class="muted">{e.who}</div>
                </li>
              ))}
            </ol>
          </>
        ) : (
          <Empty>Nothing recorded for this run yet.</Empty>
        )}
      </Section>
    </Layout>
  );
}
