/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AuditEntry, AuditPage as Page } from "@pea/policy-store";
import { reasonCodes } from "@pea/schemas";
import { DataTable, when } from "../components.js";
import { Layout, type PageState, Status } from "../layout.js";

export const auditFilterNames = ["since", "until", "principal", "run", "decision", "reason", "kind"] as const;

/** One filter of the audit search: a text box, or a choice where "" is "any". */
function Filter(props: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  hint?: string;
  choices?: readonly string[];
}) {
  return (
    <div class="search">
      <label for={props.id}>{props.label}</label>
      {props.choices ? (
        <select id={props.id} name={props.name}>
          {["", ...props.choices].map((d) => (
            <option value={d} selected={(props.value ?? "") === d}>
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

type Rec = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : String(v));

/** The facts of one record an auditor asks about first, then the whole record as stored. */
function Details({ entry }: { entry: AuditEntry }) {
  const r = entry.record as Rec;
  const reasons = (r.reasons as Array<{ code: string; policy?: string; link?: string; message?: string }>) ?? [];
  const denying = reasons.find((x) => x.link)?.link;
  const facts: Array<[string, string | undefined]> =
    r.type === "decision"
      ? [
          ["Decision id", str(r.decisionId)],
          ["Chain (outermost first)", [...((r.chain as string[]) ?? []), str(r.principal)].filter(Boolean).join(" → ")],
          ["Denying link", denying],
          ["Intent", str(r.intent)],
          ["Run", str(r.run)],
          [
            "Reasons",
            reasons.map((x) => `${x.code}${x.policy ? ` (${x.policy})` : ""}: ${x.message ?? ""}`).join("; "),
          ],
          ["Artifact id", str(r.artifactId)],
          [
            "Approval",
            [str(r.approvalId), str(r.approver) && `approved by ${str(r.approver)}`].filter(Boolean).join(", "),
          ],
          ["API key", str(r.apiKeyId)],
          ["Policy / entitlement version", `${str(r.policyVersion) ?? "?"} / ${str(r.entitlementVersion) ?? "?"}`],
        ]
      : [
          ["Actor", str(r.actor)],
          ["Action", str(r.action)],
          ["Target", str(r.target)],
          ["Run", str(r.run)],
        ];
  return (
    <details data-testid={`audit-${entry.seq}`}>
      <summary>Whole record</summary>
      <dl class="facts">
        {facts
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        <dt>Seq / hash</dt>
        <dd>
          {entry.seq} / <code>{entry.hash.slice(0, 16)}…</code>
        </dd>
      </dl>
      <pre class="record">{JSON.stringify(r, null, 2)}</pre>
    </details>
  );
}

function Who({ r }: { r: Rec }) {
  if (r.type !== "decision") return <>{String(r.actor)}</>;
  const chain = (r.chain as string[] | undefined) ?? [];
  const reasons = (r.reasons as Array<{ link?: string }> | undefined) ?? [];
  const denying = reasons.find((x) => x.link)?.link;
  const links = [...chain, String(r.principal)];
  return (
    <>
      {links.map((l, i) => (
        <>
          {i > 0 ? " → " : ""}
          {l === denying ? (
            <strong class="denying" title="the link that was denied">
              {l}
            </strong>
          ) : (
            l
          )}
        </>
      ))}
    </>
  );
}

export function AuditPage(props: {
  state: PageState;
  page: Page;
  filters: Record<string, string>;
  problem?: string | undefined;
}) {
  const f = props.filters;
  const link = (cursor: Record<string, string>) => `/audit?${new URLSearchParams({ ...f, ...cursor }).toString()}`;
  const { page } = props;
  const paging = (
    <nav class="pager" aria-label="Audit pages">
      <a href={link({})}>Newest</a>
      {page.newer !== undefined ? <a href={link({ after: String(page.newer) })}>← Newer</a> : null}
      {page.older !== undefined ? <a href={link({ before: String(page.older) })}>Older →</a> : null}
    </nav>
  );
  return (
    <Layout title="Audit" path="/audit" state={props.state}>
      <form method="get" action="/audit" class="toolbar wrap">
        <Filter id="a-since" name="since" label="Since" value={f.since} hint="24h, 10m or 2026-01-01T00:00:00Z" />
        <Filter id="a-until" name="until" label="Until" value={f.until} hint="1h or an ISO time" />
        <Filter
          id="a-principal"
          name="principal"
          label="Principal or actor"
          value={f.principal}
          hint="Agent::payments-agent"
        />
        <Filter id="a-run" name="run" label="Run" value={f.run} />
        <Filter id="a-decision" name="decision" label="Decision" value={f.decision} choices={["allow", "deny"]} />
        <Filter id="a-reason" name="reason" label="Deciding reason" value={f.reason} choices={reasonCodes} />
        <Filter id="a-kind" name="kind" label="Kind" value={f.kind} choices={["decision", "change"]} />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {props.problem ? (
        <p class="error" role="alert" data-testid="audit-problem">
          {props.problem} (showing the newest entries instead)
        </p>
      ) : null}
      {f.run ? (
        <p>
          <a href={`/runs/${encodeURIComponent(f.run)}`}>See the lineage of run {f.run}</a>
        </p>
      ) : null}
      {paging}
      <DataTable
        items={page.entries}
        empty="No audit entries match."
        id="audit"
        caption="Audit log entries, newest first"
        columns={["#", "Time", "Who (chain → principal)", "What", "Outcome"]}
        cells={(e) => {
          const r = e.record as Rec;
          const decision = r.type === "decision";
          const reasons = (r.reasons as Array<{ code: string; policy?: string }> | undefined) ?? [];
          return [
            e.seq,
            <time datetime={e.time}>{when(e.time)}</time>,
            <Who r={r} />,
            <>
              {decision ? `${String(r.action)} on ${String(r.resource)}` : `${String(r.action)} ${String(r.target)}`}
              {r.run ? (
                <div class="muted">
                  run <a href={`/runs/${encodeURIComponent(String(r.run))}`}>{String(r.run)}</a>
                </div>
              ) : null}
              <Details entry={e} />
            </>,
            <>
              {decision ? <Status status={String(r.decision)} /> : <span class="chip">change</span>}{" "}
              <span class="muted">
                {reasons.map((x) => (x.policy ? `${x.code} (${x.policy})` : x.code)).join(", ")}
              </span>
            </>,
          ];
        }}
      />
      {paging}
    </Layout>
  );
}
