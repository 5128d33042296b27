/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AuditEntry } from "@pea/policy-store";
import { DataTable, when } from "../components.js";
import { Layout, type PageState, Status } from "../layout.js";

/** One filter of the audit search: a text box, or a choice where "" is "any". */
function Filter(props: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  hint?: string;
  choices?: string[];
}) {
  return (
    <div class="search">
      <label for={props.id}>{props.label}</label>
      {props.choices ? (
        <select id={props.id} name={props.name}>
          {props.choices.map((d) => (
            <option value={d} selected={props.value === d}>
              {d || "any"}
            </option>
          ))}
        </select>
      ) : (
        <input id={props.id} name={props.name} value={props.value ?? ""} placeholder={props.hint} />
      )}
    </div>
  );
}

export function AuditPage(props: {
  state: PageState;
  entries: AuditEntry[];
  filters: Record<string, string>;
  nextCursor?: number | undefined;
}) {
  const f = props.filters;
  const next = new URLSearchParams({ ...f, after: String(props.nextCursor ?? "") });
  return (
    <Layout title="Audit" path="/audit" state={props.state}>
      <form method="get" action="/audit" class="toolbar wrap">
        <Filter
          id="a-principal"
          name="principal"
          label="Principal or actor"
          value={f.principal}
          hint="Agent::payments-agent"
        />
        <Filter id="a-run" name="run" label="Run" value={f.run} />
        <Filter id="a-decision" name="decision" label="Decision" value={f.decision} choices={["", "allow", "deny"]} />
        <Filter id="a-reason" name="reason" label="Reason code" value={f.reason} hint="barrier" />
        <Filter id="a-kind" name="kind" label="Kind" value={f.kind} choices={["", "decision", "change"]} />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {f.run ? (
        <p>
          <a href={`/runs/${encodeURIComponent(f.run)}`}>See the lineage of run {f.run}</a>
        </p>
      ) : null}
      <DataTable
        rows={props.entries.length}
        empty="No audit entries match."
        id="audit"
        caption="Audit log entries, oldest first"
        columns={["#", "Time", "Who", "What", "Outcome"]}
      >
        {props.entries.map((e) => {
          const r = e.record as Record<string, unknown>;
          const decision = r.type === "decision";
          const reasons = (r.reasons as Array<{ code: string; policy?: string }> | undefined) ?? [];
          return (
            <tr>
              <th scope="row">{e.seq}</th>
              <td>{when(e.time)}</td>
              <td>{String(decision ? r.principal : r.actor)}</td>
              <td>
                {decision ? `${String(r.action)} on ${String(r.resource)}` : `${String(r.action)} ${String(r.target)}`}
                {r.run ? (
                  <div class="muted">
                    run <a href={`/runs/${encodeURIComponent(String(r.run))}`}>{String(r.run)}</a>
                  </div>
                ) : null}
              </td>
              <td>
                {decision ? <Status status={String(r.decision)} /> : <span class="chip">change</span>}{" "}
                <span class="muted">
                  {reasons.map((x) => (x.policy ? `${x.code} (${x.policy})` : x.code)).join(", ")}
                </span>
              </td>
            </tr>
          );
        })}
      </DataTable>
      {props.nextCursor !== undefined ? (
        <p>
          <a href={`/audit?${next.toString()}`}>Next page</a>
        </p>
      ) : null}
    </Layout>
  );
}
