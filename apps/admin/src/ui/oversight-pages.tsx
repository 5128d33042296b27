/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type {
  Activation,
  Approval,
  AuditEntry,
  Lineage,
  RunRow,
  VersionSummary,
  WallCrossing,
} from "@pea/policy-store";
import { Csrf, Empty, FormError, Layout, type PageState, Status, TableSearch, val } from "./layout.js";

const when = (iso: string) => iso.slice(0, 19).replace("T", " ");
const ref = (r: { type: string; id: string }) => `${r.type}::${r.id}`;

export function SodPage(props: {
  state: PageState;
  conflicts: Array<{ a: string; b: string; description: string }>;
  crossings: WallCrossing[];
  groups: string[];
  users: string[];
}) {
  const { state } = props;
  return (
    <Layout title="Separation of duties & wall crossings" path="/sod" state={state}>
      <section aria-labelledby="sod-h">
        <h2 id="sod-h">Declared SoD conflicts</h2>
        <p class="muted">Nobody may hold both groups of a pair; PEA refuses the membership that would make it so.</p>
        {props.conflicts.length === 0 ? (
          <Empty>No conflicts declared.</Empty>
        ) : (
          <div class="table-wrap">
            <table id="sod-conflicts">
              <caption class="sr-only">Group pairs nobody may hold together</caption>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">conflicts with</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {props.conflicts.map((c) => (
                  <tr>
                    <th scope="row">{c.a}</th>
                    <td>{c.b}</td>
                    <td>{c.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {state.allowed.has("admin:sod.write") ? (
          <details class="card" open={state.errors?.sod ? true : undefined}>
            <summary>Declare a conflict</summary>
            <form method="post" action="/sod/conflicts" class="grid-form">
              <Csrf state={state} />
              <FormError state={state} form="sod" />
              <label for="sod-a">Group</label>
              <select id="sod-a" name="a" required>
                {props.groups.map((g) => (
                  <option value={g}>{g}</option>
                ))}
              </select>
              <label for="sod-b">conflicts with</label>
              <select id="sod-b" name="b" required>
                {props.groups.map((g) => (
                  <option value={g}>{g}</option>
                ))}
              </select>
              <label for="sod-d">Why</label>
              <input id="sod-d" name="description" value={val(state, "description")} />
              <button type="submit" class="primary">
                Declare conflict
              </button>
            </form>
          </details>
        ) : null}
      </section>

      <section aria-labelledby="wx-h">
        <h2 id="wx-h">Wall crossings</h2>
        <p class="muted">
          Compliance brings a named person over the information barrier for one issuer, until an expiry.
        </p>
        {props.crossings.length === 0 ? (
          <Empty>No wall crossings.</Empty>
        ) : (
          <div class="table-wrap">
            <table id="crossings">
              <caption class="sr-only">Wall crossings</caption>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Issuer</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Granted by</th>
                  <th scope="col">Until</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {props.crossings.map((x) => (
                  <tr>
                    <th scope="row">{x.user}</th>
                    <td>{x.issuer}</td>
                    <td>{x.reason}</td>
                    <td>{x.grantedBy}</td>
                    <td>{when(x.expiresAt)}</td>
                    <td>
                      {x.active ? (
                        state.allowed.has("admin:wall.cross") ? (
                          <form
                            method="post"
                            action={`/sod/crossings/${encodeURIComponent(x.id)}/revoke`}
                            class="inline"
                            data-confirm={`Revoke ${x.user}'s crossing for ${x.issuer}? Their next decision is denied.`}
                          >
                            <Csrf state={state} />
                            <Status status="active" />{" "}
                            <button type="submit" class="danger small" data-testid={`revoke-${x.user}-${x.issuer}`}>
                              Revoke
                            </button>
                          </form>
                        ) : (
                          <Status status="active" />
                        )
                      ) : (
                        <Status status={x.revokedAt ? "revoked" : "expired"} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {state.allowed.has("admin:wall.cross") ? (
          <details class="card" open={state.errors?.crossing ? true : undefined}>
            <summary>Bring someone over the wall</summary>
            <form method="post" action="/sod/crossings" class="grid-form">
              <Csrf state={state} />
              <FormError state={state} form="crossing" />
              <label for="wx-user">Person</label>
              <select id="wx-user" name="user" required>
                {props.users.map((u) => (
                  <option value={u} selected={val(state, "user") === u}>
                    {u}
                  </option>
                ))}
              </select>
              <label for="wx-issuer">Issuer</label>
              <input id="wx-issuer" name="issuer" required value={val(state, "issuer")} placeholder="ACME" />
              <label for="wx-reason">Reason</label>
              <input id="wx-reason" name="reason" required value={val(state, "reason")} />
              <label for="wx-ttl">For (minutes)</label>
              <input
                id="wx-ttl"
                name="minutes"
                type="number"
                min="1"
                max="129600"
                value={val(state, "minutes") || "60"}
              />
              <button type="submit" class="primary">
                Grant crossing
              </button>
            </form>
          </details>
        ) : null}
      </section>
    </Layout>
  );
}

export function ApprovalsPage(props: { state: PageState; approvals: Approval[]; status: string }) {
  const { state } = props;
  const canDecide = state.allowed.has("admin:approval.decide");
  const tabs = ["pending", "approved", "rejected", "used", "expired", "all"];
  return (
    <Layout title="Approvals" path="/approvals" state={state}>
      <nav aria-label="Approval status" class="tabs">
        <ul class="chips">
          {tabs.map((t) => (
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
          {props.approvals.map((a) => {
            const r = a.request;
            const amount = r.resource.attributes?.amount;
            return (
              <li class="card" data-testid={`approval-${a.id}`}>
                <div class="row wrap">
                  <strong>{r.action}</strong> <span>{ref(r.resource)}</span>
                  {amount !== undefined ? (
                    <span class="chip">
                      {typeof amount === "number" ? amount.toLocaleString("en-US") : String(amount)}{" "}
                      {String(r.resource.attributes?.currency ?? "")}
                    </span>
                  ) : null}
                  <Status status={a.status} />
                </div>
                <p class="muted">
                  asked by {[...r.chain.map(ref), ref(r.principal)].join(" → ")}
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
          })}
        </ul>
      )}
    </Layout>
  );
}

export function RunsPage(props: { state: PageState; runs: RunRow[]; status: string; q?: string | undefined }) {
  const { state } = props;
  return (
    <Layout title="Runs" path="/runs" state={state}>
      <form method="get" action="/runs" class="toolbar">
        <TableSearch table="runs" label="Filter runs" q={props.q} />
        <div class="search">
          <label for="run-status">Status</label>
          <select id="run-status" name="status">
            {["all", "active", "paused", "cancelled", "completed"].map((s) => (
              <option value={s} selected={props.status === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      <section id="runs-live" data-refresh="3000" aria-live="polite">
        {props.runs.length === 0 ? (
          <Empty>No runs{props.status !== "all" ? ` are ${props.status}` : " yet"}.</Empty>
        ) : (
          <div class="table-wrap">
            <table data-filterable="runs" id="runs">
              <caption class="sr-only">Runs, newest first (refreshes every few seconds)</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Agent (for)</th>
                  <th scope="col">Intent</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {props.runs.map((r) => (
                  <tr>
                    <th scope="row">
                      <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
                    </th>
                    <td>
                      {r.principal}
                      {r.chain.length > 0 ? <div class="muted">for {r.chain.join(" → ")}</div> : null}
                    </td>
                    <td>{r.intent}</td>
                    <td>
                      <Status status={r.status} />
                    </td>
                    <td>{when(r.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}

export function RunPage(props: {
  state: PageState;
  id: string;
  run: {
    status: string;
    principal: { type: string; id: string };
    chain: Array<{ type: string; id: string }>;
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
    <form
      method="post"
      action={`/runs/${encodeURIComponent(props.id)}/${action}`}
      class="inline"
      data-confirm={confirm}
    >
      <Csrf state={state} />
      <button type="submit" class={danger ? "danger" : "primary"} data-testid={`run-${action}`}>
        {label}
      </button>
    </form>
  );
  return (
    <Layout title={`Run ${props.id}`} path="/runs" state={state}>
      {run ? (
        <div class="card">
          <p>
            <strong>{ref(run.principal)}</strong>
            {run.chain.length > 0 ? ` for ${run.chain.map(ref).join(" → ")}` : ""} · intent{" "}
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
      <section aria-labelledby="tl-h">
        <h2 id="tl-h">Timeline</h2>
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
      </section>
    </Layout>
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
        <div class="search">
          <label for="a-principal">Principal or actor</label>
          <input id="a-principal" name="principal" value={f.principal ?? ""} placeholder="Agent::payments-agent" />
        </div>
        <div class="search">
          <label for="a-run">Run</label>
          <input id="a-run" name="run" value={f.run ?? ""} />
        </div>
        <div class="search">
          <label for="a-decision">Decision</label>
          <select id="a-decision" name="decision">
            {["", "allow", "deny"].map((d) => (
              <option value={d} selected={f.decision === d}>
                {d || "any"}
              </option>
            ))}
          </select>
        </div>
        <div class="search">
          <label for="a-reason">Reason code</label>
          <input id="a-reason" name="reason" value={f.reason ?? ""} placeholder="barrier" />
        </div>
        <div class="search">
          <label for="a-kind">Kind</label>
          <select id="a-kind" name="kind">
            {["", "decision", "change"].map((d) => (
              <option value={d} selected={f.kind === d}>
                {d || "any"}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {f.run ? (
        <p>
          <a href={`/runs/${encodeURIComponent(f.run)}`}>See the lineage of run {f.run}</a>
        </p>
      ) : null}
      {props.entries.length === 0 ? (
        <Empty>No audit entries match.</Empty>
      ) : (
        <div class="table-wrap">
          <table id="audit">
            <caption class="sr-only">Audit log entries, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
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
                      {decision
                        ? `${String(r.action)} on ${String(r.resource)}`
                        : `${String(r.action)} ${String(r.target)}`}
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
            </tbody>
          </table>
        </div>
      )}
      {props.nextCursor !== undefined ? (
        <p>
          <a href={`/audit?${next.toString()}`}>Next page</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function PoliciesPage(props: {
  state: PageState;
  loadedVersion: string;
  active: string | undefined;
  versions: VersionSummary[];
  activations: Activation[];
  loaded: Array<{ id: string; effect: string; file: string; line: number; reason?: string | undefined }>;
}) {
  return (
    <Layout title="Policies" path="/policies" state={props.state}>
      <p>
        This process evaluates policy set <code data-testid="loaded-policy-version">{props.loadedVersion}</code>
        {props.active ? (
          <>
            {" "}
            · active published version <code>{props.active}</code>
          </>
        ) : (
          " · no published version activated yet (policies load from the repository)"
        )}
      </p>
      <section aria-labelledby="pv-h">
        <h2 id="pv-h">Published versions</h2>
        {props.versions.length === 0 ? (
          <Empty>No versions published. Publish with npx pea policy publish.</Empty>
        ) : (
          <div class="table-wrap">
            <table id="versions">
              <caption class="sr-only">Published policy versions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Message</th>
                  <th scope="col">Author</th>
                  <th scope="col">Policies</th>
                  <th scope="col">Published</th>
                </tr>
              </thead>
              <tbody>
                {props.versions.map((v) => (
                  <tr>
                    <th scope="row">
                      <code>{v.id}</code> {v.id === props.active ? <Status status="active" /> : null}
                    </th>
                    <td>{v.message}</td>
                    <td>{v.author}</td>
                    <td>{v.policyCount}</td>
                    <td>{when(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="pl-h">
        <h2 id="pl-h">Policies in the evaluated set ({props.loaded.length})</h2>
        <details>
          <summary>Show every policy</summary>
          <div class="table-wrap">
            <table id="loaded-policies">
              <caption class="sr-only">Policies in the set this process evaluates</caption>
              <thead>
                <tr>
                  <th scope="col">Policy</th>
                  <th scope="col">Effect</th>
                  <th scope="col">Reason code</th>
                  <th scope="col">File</th>
                </tr>
              </thead>
              <tbody>
                {props.loaded.map((p) => (
                  <tr>
                    <th scope="row">
                      <code>{p.id}</code>
                    </th>
                    <td>
                      <Status status={p.effect === "permit" ? "allow" : "deny"} />
                    </td>
                    <td>{p.reason ?? ""}</td>
                    <td>
                      {p.file}:{p.line}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <section aria-labelledby="pa-h">
        <h2 id="pa-h">Activation history</h2>
        {props.activations.length === 0 ? (
          <Empty>No activations yet.</Empty>
        ) : (
          <ol class="timeline">
            {props.activations.map((a) => (
              <li>
                <span class="muted">{when(a.createdAt)}</span> {a.kind} <code>{a.versionId}</code> by {a.requestedBy}
                {a.approvedBy ? `, approved by ${a.approvedBy}` : ""}
              </li>
            ))}
          </ol>
        )}
      </section>
    </Layout>
  );
}
