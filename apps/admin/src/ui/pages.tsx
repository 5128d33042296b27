/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AgentRow, ApiKeyRow, GroupRow, IntentRow, ResourceRow, SegmentRow, UserRow } from "@pea/policy-store";
import { Csrf, Empty, FormError, Layout, type PageState, refText, Status, TableSearch, val } from "./layout.js";

const matches = (q: string | undefined, ...fields: Array<string | null | undefined>) =>
  !q || fields.some((f) => f?.toLowerCase().includes(q.toLowerCase()));

export function LoginPage(props: { error?: string | undefined; user?: string | undefined; next?: string | undefined }) {
  return (
    <Layout title="Sign in" path="/login">
      <div class="card narrow">
        <form method="post" action="/login" class="stack" aria-describedby={props.error ? "login-error" : undefined}>
          <input type="hidden" name="next" value={props.next ?? "/people"} />
          {props.error ? (
            <p class="form-error" role="alert" id="login-error" data-testid="login-error">
              {props.error}
            </p>
          ) : null}
          <label for="user">User</label>
          <input id="user" name="user" autocomplete="username" value={props.user ?? ""} required />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
        <details>
          <summary>Sign in with an API key instead</summary>
          <form method="post" action="/login" class="stack">
            <input type="hidden" name="next" value={props.next ?? "/people"} />
            <label for="apiKey">API key bound to your user</label>
            <input id="apiKey" name="apiKey" type="password" autocomplete="off" required />
            <button type="submit">Sign in with key</button>
          </form>
        </details>
      </div>
    </Layout>
  );
}

/** The no-script confirmation step for a destructive action. */
export function ConfirmPage(props: {
  state: PageState;
  title: string;
  text: string;
  action: string;
  fields: Record<string, string>;
  back: string;
}) {
  return (
    <Layout title={props.title} path={props.back} state={props.state}>
      <div class="card narrow">
        <p>{props.text}</p>
        <form method="post" action={props.action} class="row">
          <Csrf state={props.state} />
          {Object.entries(props.fields).map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
          <input type="hidden" name="confirm" value="yes" />
          <a href={props.back} class="button">
            Cancel
          </a>
          <button type="submit" class="danger">
            Confirm
          </button>
        </form>
      </div>
    </Layout>
  );
}

/** A small POST form with one button; `confirm` makes it ask first. */
function ActionButton(props: {
  state: PageState;
  action: string;
  label: string;
  fields?: Record<string, string>;
  confirm?: string;
  danger?: boolean;
  testid?: string;
}) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf state={props.state} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.danger ? "danger small" : "small"} data-testid={props.testid}>
        {props.label}
      </button>
    </form>
  );
}

function Refs({ refs }: { refs: Array<{ type: string; id: string }> }) {
  if (refs.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="chips">
      {refs.map((r) => (
        <li class={`chip ${r.type.toLowerCase()}`}>{refText(r)}</li>
      ))}
    </ul>
  );
}

export function PeoplePage(props: { state: PageState; users: UserRow[]; agents: AgentRow[]; q?: string | undefined }) {
  const { state, q } = props;
  const canUser = state.allowed.has("admin:user.write");
  const canAgent = state.allowed.has("admin:agent.write");
  const users = props.users.filter((u) => matches(q, u.id, u.displayName, u.email, u.status));
  const agents = props.agents.filter((a) => matches(q, a.id, a.owner, a.description, a.status, ...a.intents));
  return (
    <Layout title="People & agents" path="/people" state={state}>
      <form method="get" action="/people" class="toolbar">
        <TableSearch table="people" label="Filter people and agents" q={q} />
        <noscript>
          <button type="submit">Filter</button>
        </noscript>
      </form>
      <section aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        {users.length === 0 ? (
          <Empty>{q ? `No user matches “${q}”.` : "No users yet. Create the first one below."}</Empty>
        ) : (
          <div class="table-wrap">
            <table data-filterable="people" id="users">
              <caption class="sr-only">Users, their status and memberships</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Groups & segments</th>
                  <th scope="col">Agents owned</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr>
                    <th scope="row">
                      <a href={`/people/users/${encodeURIComponent(u.id)}`}>{u.id}</a>
                    </th>
                    <td>
                      {u.displayName}
                      {u.email ? <div class="muted">{u.email}</div> : null}
                    </td>
                    <td>
                      <Status status={u.status} />
                    </td>
                    <td>
                      <Refs refs={u.memberOf} />
                    </td>
                    <td>
                      {props.agents
                        .filter((a) => a.owner === u.id)
                        .map((a) => a.id)
                        .join(", ") || <span class="muted">none</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canUser ? (
          <details class="card" open={state.errors?.["new-user"] ? true : undefined}>
            <summary>New user</summary>
            <form method="post" action="/people/users" class="grid-form" aria-describedby="new-user-error">
              <Csrf state={state} />
              <FormError state={state} form="new-user" />
              <label for="nu-id">User id</label>
              <input id="nu-id" name="id" required value={val(state, "id")} />
              <label for="nu-name">Display name</label>
              <input id="nu-name" name="displayName" required value={val(state, "displayName")} />
              <label for="nu-email">E-mail (optional)</label>
              <input id="nu-email" name="email" type="email" value={val(state, "email")} />
              <button type="submit" class="primary">
                Create user
              </button>
            </form>
          </details>
        ) : null}
      </section>

      <section aria-labelledby="agents-h">
        <h2 id="agents-h">Agents</h2>
        {agents.length === 0 ? (
          <Empty>{q ? `No agent matches “${q}”.` : "No agents registered yet."}</Empty>
        ) : (
          <div class="table-wrap">
            <table data-filterable="people" id="agents">
              <caption class="sr-only">Agents, their owners and what they may do</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Intents (what it may do)</th>
                  <th scope="col">Groups & segments</th>
                </tr>
              </thead>
              <tbody>
                {agents.map((a) => (
                  <tr>
                    <th scope="row">
                      <a href={`/people/agents/${encodeURIComponent(a.id)}`}>{a.id}</a>
                      <div class="muted">{a.description}</div>
                    </th>
                    <td>
                      <a href={`/people/users/${encodeURIComponent(a.owner)}`}>{a.owner}</a>
                    </td>
                    <td>
                      <Status status={a.status} />
                    </td>
                    <td>{a.intents.join(", ") || <span class="muted">none</span>}</td>
                    <td>
                      <Refs refs={a.memberOf} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canAgent ? (
          <details class="card" open={state.errors?.["new-agent"] ? true : undefined}>
            <summary>Register an agent</summary>
            <form method="post" action="/people/agents" class="grid-form" aria-describedby="new-agent-error">
              <Csrf state={state} />
              <FormError state={state} form="new-agent" />
              <label for="na-id">Agent id</label>
              <input id="na-id" name="id" required value={val(state, "id")} />
              <label for="na-owner">Owner (a user)</label>
              <select id="na-owner" name="owner" required>
                <option value="">Choose an owner…</option>
                {props.users
                  .filter((u) => u.status === "active")
                  .map((u) => (
                    <option value={u.id} selected={val(state, "owner") === u.id}>
                      {u.id} — {u.displayName}
                    </option>
                  ))}
              </select>
              <label for="na-desc">Description</label>
              <input id="na-desc" name="description" value={val(state, "description")} />
              <button type="submit" class="primary">
                Register agent
              </button>
            </form>
          </details>
        ) : null}
      </section>
    </Layout>
  );
}

/** Grant-membership form: member fixed, pick a group or segment. */
function GrantMembership(props: {
  state: PageState;
  member: { type: string; id: string };
  groups: GroupRow[];
  segments: SegmentRow[];
  back: string;
}) {
  const { state, member } = props;
  return (
    <form method="post" action="/memberships/grant" class="row wrap" aria-describedby="grant-error">
      <Csrf state={state} />
      <input type="hidden" name="memberType" value={member.type} />
      <input type="hidden" name="memberId" value={member.id} />
      <input type="hidden" name="back" value={props.back} />
      <label for="grant-parent">Add to</label>
      <select id="grant-parent" name="parent" required>
        <option value="">Choose a group or segment…</option>
        <optgroup label="Groups">
          {props.groups
            .filter((g) => !(member.type === "Group" && g.id === member.id))
            .map((g) => (
              <option value={`Group::${g.id}`} selected={val(state, "parent") === `Group::${g.id}`}>
                {g.id}
              </option>
            ))}
        </optgroup>
        {member.type !== "Group" ? (
          <optgroup label="Segments">
            {props.segments.map((s) => (
              <option value={`Segment::${s.id}`} selected={val(state, "parent") === `Segment::${s.id}`}>
                {s.id}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      <button type="submit" class="primary" data-testid="grant-membership">
        Add membership
      </button>
      <FormError state={state} form="grant" />
    </form>
  );
}

function MembershipList(props: {
  state: PageState;
  member: { type: string; id: string };
  memberOf: Array<{ type: string; id: string }>;
  back: string;
}) {
  const { state, member } = props;
  const canRevoke = state.allowed.has("admin:membership.revoke");
  if (props.memberOf.length === 0) return <Empty>Not in any group or segment.</Empty>;
  return (
    <ul class="list">
      {props.memberOf.map((p) => (
        <li>
          <span class={`chip ${p.type.toLowerCase()}`}>{refText(p)}</span>
          {canRevoke ? (
            <ActionButton
              state={state}
              action="/memberships/revoke"
              label="Remove"
              danger
              fields={{ memberType: member.type, memberId: member.id, parent: refText(p), back: props.back }}
              confirm={`Remove ${refText(member)} from ${refText(p)}? It loses what that membership grants at once, on every PDP.`}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function UserPage(props: {
  state: PageState;
  user: UserRow;
  agents: AgentRow[];
  groups: GroupRow[];
  segments: SegmentRow[];
  keys: ApiKeyRow[];
}) {
  const { state, user } = props;
  const back = `/people/users/${encodeURIComponent(user.id)}`;
  const next = user.status === "active" ? "suspended" : "active";
  return (
    <Layout title={`User ${user.id}`} path="/people" state={state}>
      <p>
        {user.displayName} {user.email ? <span class="muted">· {user.email}</span> : null} ·{" "}
        <Status status={user.status} /> · {user.hasPassword ? "can sign in with a password" : "no local password"}
      </p>
      {state.allowed.has("admin:user.write") ? (
        <ActionButton
          state={state}
          action={`${back}/status`}
          label={next === "active" ? "Reactivate" : "Suspend"}
          fields={{ status: next }}
          danger={next !== "active"}
          confirm={
            next !== "active"
              ? `Suspend ${user.id}? Every decision for them and their agents is denied at once.`
              : undefined
          }
        />
      ) : null}
      <FormError state={state} form="status" />
      {state.allowed.has("admin:user.write") && state.user !== user.id ? (
        <details class="card" open={state.errors?.password ? true : undefined}>
          <summary>{user.hasPassword ? "Reset password" : "Set a password"}</summary>
          <form method="post" action={`${back}/password`} class="grid-form">
            <Csrf state={state} />
            <FormError state={state} form="password" />
            <label for="pw-new">New password (12+ characters)</label>
            <input id="pw-new" name="password" type="password" autocomplete="new-password" required minlength={12} />
            <button type="submit" class="primary">
              Set password
            </button>
          </form>
        </details>
      ) : null}
      <section aria-labelledby="m-h">
        <h2 id="m-h">Groups & segments</h2>
        <MembershipList state={state} member={{ type: "User", id: user.id }} memberOf={user.memberOf} back={back} />
        {state.allowed.has("admin:membership.grant") ? (
          <GrantMembership
            state={state}
            member={{ type: "User", id: user.id }}
            groups={props.groups}
            segments={props.segments}
            back={back}
          />
        ) : null}
      </section>
      <section aria-labelledby="a-h">
        <h2 id="a-h">Agents owned</h2>
        {props.agents.length === 0 ? (
          <Empty>{user.id} owns no agents.</Empty>
        ) : (
          <ul class="list">
            {props.agents.map((a) => (
              <li>
                <a href={`/people/agents/${encodeURIComponent(a.id)}`}>{a.id}</a> <Status status={a.status} />{" "}
                <span class="muted">{a.intents.join(", ")}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="k-h">
        <h2 id="k-h">API keys bound to {user.id}</h2>
        {props.keys.length === 0 ? (
          <Empty>No keys. Create one on the API keys page.</Empty>
        ) : (
          <ul class="list">
            {props.keys.map((k) => (
              <li>
                <code>{k.id}</code> {k.name} <span class="muted">{k.scopes.join(", ")}</span>{" "}
                {k.revokedAt ? <Status status="revoked" /> : <Status status="active" />}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}

export function AgentPage(props: {
  state: PageState;
  agent: AgentRow;
  intents: IntentRow[];
  groups: GroupRow[];
  segments: SegmentRow[];
  runs?: Array<{ id: string; status: string; intent: string; createdAt: string }> | undefined;
}) {
  const { state, agent } = props;
  const back = `/people/agents/${encodeURIComponent(agent.id)}`;
  const next = agent.status === "active" ? "suspended" : "active";
  const held = props.intents.filter((i) => agent.intents.includes(i.id));
  const others = props.intents.filter((i) => !agent.intents.includes(i.id));
  return (
    <Layout title={`Agent ${agent.id}`} path="/people" state={state}>
      <p>
        {agent.description || <span class="muted">no description</span>} · owner{" "}
        <a href={`/people/users/${encodeURIComponent(agent.owner)}`} data-testid="agent-owner">
          {agent.owner}
        </a>{" "}
        · <Status status={agent.status} />
        {agent.delegableBy.length > 0 ? <> · sub-agent of {agent.delegableBy.join(", ")}</> : null}
      </p>
      {state.allowed.has("admin:agent.write") ? (
        <ActionButton
          state={state}
          action={`${back}/status`}
          label={next === "active" ? "Reactivate" : "Suspend"}
          fields={{ status: next }}
          danger={next !== "active"}
          confirm={next !== "active" ? `Suspend ${agent.id}? Its next decision anywhere is denied.` : undefined}
        />
      ) : null}
      <FormError state={state} form="status" />
      <section aria-labelledby="i-h">
        <h2 id="i-h">What it may do (intents)</h2>
        {held.length === 0 ? (
          <Empty>Holds no intents: it may do nothing.</Empty>
        ) : (
          <ul class="list">
            {held.map((i) => (
              <li>
                <strong>{i.id}</strong>{" "}
                <span class="muted">{i.capabilities.map((c) => `${c.action} on ${c.resourceType}`).join(", ")}</span>
                {state.allowed.has("admin:agent-intent.revoke") ? (
                  <ActionButton
                    state={state}
                    action={`${back}/intents/revoke`}
                    label="Take away"
                    danger
                    fields={{ intent: i.id }}
                    confirm={`Take ${i.id} away from ${agent.id}?`}
                  />
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {state.allowed.has("admin:agent-intent.grant") && others.length > 0 ? (
          <form method="post" action={`${back}/intents`} class="row wrap">
            <Csrf state={state} />
            <label for="give-intent">Give intent</label>
            <select id="give-intent" name="intent" required>
              {others.map((i) => (
                <option value={i.id}>{i.id}</option>
              ))}
            </select>
            <button type="submit" class="primary">
              Give
            </button>
            <FormError state={state} form="intent" />
          </form>
        ) : null}
      </section>
      <section aria-labelledby="m-h">
        <h2 id="m-h">Groups & segments</h2>
        <MembershipList state={state} member={{ type: "Agent", id: agent.id }} memberOf={agent.memberOf} back={back} />
        {state.allowed.has("admin:membership.grant") ? (
          <GrantMembership
            state={state}
            member={{ type: "Agent", id: agent.id }}
            groups={props.groups}
            segments={props.segments}
            back={back}
          />
        ) : null}
      </section>
      {props.runs ? (
        <section aria-labelledby="r-h">
          <h2 id="r-h">Its runs</h2>
          {props.runs.length === 0 ? (
            <Empty>No runs yet.</Empty>
          ) : (
            <ul class="list">
              {props.runs.map((r) => (
                <li>
                  <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a> <Status status={r.status} />{" "}
                  <span class="muted">
                    {r.intent} · {r.createdAt}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </Layout>
  );
}

export function GroupsPage(props: {
  state: PageState;
  groups: GroupRow[];
  segments: SegmentRow[];
  q?: string | undefined;
}) {
  const { state, q } = props;
  const groups = props.groups.filter((g) => matches(q, g.id, g.description, ...g.members.map(refText)));
  const segments = props.segments.filter((s) => matches(q, s.id, s.description, ...s.members.map(refText)));
  const Table = (p: { id: string; rows: Array<GroupRow | SegmentRow>; kind: string }) => (
    <div class="table-wrap">
      <table data-filterable="groups" id={p.id}>
        <caption class="sr-only">{p.kind} and their members</caption>
        <thead>
          <tr>
            <th scope="col">{p.kind === "Groups" ? "Group" : "Segment"}</th>
            <th scope="col">Description</th>
            <th scope="col">Members</th>
            {p.kind === "Groups" ? <th scope="col">Inside</th> : null}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((g) => (
            <tr>
              <th scope="row">{g.id}</th>
              <td>{g.description}</td>
              <td>
                <Refs refs={g.members} />
              </td>
              {"memberOf" in g ? (
                <td>
                  <Refs refs={g.memberOf} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <Layout title="Groups & segments" path="/groups" state={state}>
      <form method="get" action="/groups" class="toolbar">
        <TableSearch table="groups" label="Filter groups and segments" q={q} />
      </form>
      <section aria-labelledby="g-h">
        <h2 id="g-h">Groups</h2>
        {groups.length === 0 ? (
          <Empty>No groups{q ? ` match “${q}”` : ""}.</Empty>
        ) : (
          <Table id="groups" rows={groups} kind="Groups" />
        )}
        {state.allowed.has("admin:group.write") ? (
          <details class="card" open={state.errors?.["new-group"] ? true : undefined}>
            <summary>New group</summary>
            <form method="post" action="/groups" class="grid-form">
              <Csrf state={state} />
              <input type="hidden" name="kind" value="group" />
              <FormError state={state} form="new-group" />
              <label for="ng-id">Group id</label>
              <input id="ng-id" name="id" required value={val(state, "id")} />
              <label for="ng-d">Description</label>
              <input id="ng-d" name="description" value={val(state, "description")} />
              <button type="submit" class="primary">
                Create group
              </button>
            </form>
          </details>
        ) : null}
      </section>
      <section aria-labelledby="s-h">
        <h2 id="s-h">Segments (information barriers)</h2>
        {segments.length === 0 ? (
          <Empty>No segments{q ? ` match “${q}”` : ""}.</Empty>
        ) : (
          <Table id="segments" rows={segments} kind="Segments" />
        )}
        {state.allowed.has("admin:segment.write") ? (
          <details class="card" open={state.errors?.["new-segment"] ? true : undefined}>
            <summary>New segment</summary>
            <form method="post" action="/groups" class="grid-form">
              <Csrf state={state} />
              <input type="hidden" name="kind" value="segment" />
              <FormError state={state} form="new-segment" />
              <label for="ns-id">Segment id</label>
              <input id="ns-id" name="id" required />
              <label for="ns-d">Description</label>
              <input id="ns-d" name="description" />
              <button type="submit" class="primary">
                Create segment
              </button>
            </form>
          </details>
        ) : null}
      </section>
    </Layout>
  );
}

export function IntentsPage(props: {
  state: PageState;
  intents: IntentRow[];
  actions: string[];
  q?: string | undefined;
}) {
  const { state, q } = props;
  const intents = props.intents.filter((i) => matches(q, i.id, i.description, ...i.agents));
  const capText = (i: IntentRow) => i.capabilities.map((c) => `${c.action} on ${c.resourceType}`).join("\n");
  return (
    <Layout title="Intents & capability sets" path="/intents" state={state}>
      <form method="get" action="/intents" class="toolbar">
        <TableSearch table="intents" label="Filter intents" q={q} />
      </form>
      {intents.length === 0 ? (
        <Empty>No intents{q ? ` match “${q}”` : " yet"}.</Empty>
      ) : (
        <div class="table-wrap">
          <table data-filterable="intents" id="intents">
            <caption class="sr-only">Intents, their capability sets and the agents holding them</caption>
            <thead>
              <tr>
                <th scope="col">Intent</th>
                <th scope="col">Capability set</th>
                <th scope="col">Held by</th>
              </tr>
            </thead>
            <tbody>
              {intents.map((i) => (
                <tr>
                  <th scope="row">
                    {i.id}
                    <div class="muted">{i.description}</div>
                  </th>
                  <td>
                    <ul class="chips">
                      {i.capabilities.map((c) => (
                        <li class="chip">
                          {c.action} on {c.resourceType}
                        </li>
                      ))}
                    </ul>
                    {state.allowed.has("admin:intent.write") ? (
                      <details>
                        <summary>Edit capability set</summary>
                        <form method="post" action={`/intents/${encodeURIComponent(i.id)}`} class="stack">
                          <Csrf state={state} />
                          <FormError state={state} form={`intent-${i.id}`} />
                          <label for={`cap-${i.id}`}>One “action on ResourceType” per line</label>
                          <textarea id={`cap-${i.id}`} name="capabilities" rows={4}>
                            {capText(i)}
                          </textarea>
                          <button type="submit">Save capability set</button>
                        </form>
                      </details>
                    ) : null}
                  </td>
                  <td>{i.agents.join(", ") || <span class="muted">no agent</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.allowed.has("admin:intent.write") ? (
        <details class="card" open={state.errors?.["new-intent"] ? true : undefined}>
          <summary>New intent</summary>
          <form method="post" action="/intents" class="grid-form">
            <Csrf state={state} />
            <FormError state={state} form="new-intent" />
            <label for="ni-id">Intent id</label>
            <input id="ni-id" name="id" required value={val(state, "id")} />
            <label for="ni-d">Description</label>
            <input id="ni-d" name="description" value={val(state, "description")} />
            <label for="ni-c">Capabilities, one “action on ResourceType” per line</label>
            <textarea id="ni-c" name="capabilities" rows={4} aria-describedby="ni-help">
              {val(state, "capabilities")}
            </textarea>
            <p id="ni-help" class="muted">
              Actions: {props.actions.join(", ")}
            </p>
            <button type="submit" class="primary">
              Create intent
            </button>
          </form>
        </details>
      ) : null}
    </Layout>
  );
}

export function ResourcesPage(props: {
  state: PageState;
  resources: ResourceRow[];
  types: string[];
  q?: string | undefined;
}) {
  const { state, q } = props;
  const rows = props.resources.filter((r) => matches(q, r.type, r.id, JSON.stringify(r.attributes)));
  return (
    <Layout title="Registered resources" path="/resources" state={state}>
      <form method="get" action="/resources" class="toolbar">
        <TableSearch table="resources" label="Filter resources" q={q} />
      </form>
      {rows.length === 0 ? (
        <Empty>No resources{q ? ` match “${q}”` : " registered"}.</Empty>
      ) : (
        <div class="table-wrap">
          <table data-filterable="resources" id="resources">
            <caption class="sr-only">Registered resources and their governance attributes</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Governance attributes</th>
                <th scope="col">Segments</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <th scope="row">{`${r.type}::${r.id}`}</th>
                  <td>
                    <code class="json">{JSON.stringify(r.attributes)}</code>
                  </td>
                  <td>
                    <Refs refs={r.parents} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.allowed.has("admin:resource.write") ? (
        <details class="card" open={state.errors?.resource ? true : undefined}>
          <summary>Register or replace a resource</summary>
          <form method="post" action="/resources" class="grid-form">
            <Csrf state={state} />
            <FormError state={state} form="resource" />
            <label for="r-type">Type</label>
            <select id="r-type" name="type">
              {props.types.map((t) => (
                <option value={t} selected={val(state, "type") === t}>
                  {t}
                </option>
              ))}
            </select>
            <label for="r-id">Id</label>
            <input id="r-id" name="id" required value={val(state, "id")} />
            <label for="r-attrs">Attributes (Cedar JSON)</label>
            <textarea id="r-attrs" name="attributes" rows={4}>
              {val(state, "attributes") || '{"classification": "internal", "issuers": [], "mnpi": false}'}
            </textarea>
            <label for="r-seg">Segment (optional)</label>
            <input id="r-seg" name="segment" value={val(state, "segment")} />
            <button type="submit" class="primary">
              Save resource
            </button>
          </form>
        </details>
      ) : null}
    </Layout>
  );
}

export function KeysPage(props: {
  state: PageState;
  keys: ApiKeyRow[];
  users: UserRow[];
  created?: string | undefined;
}) {
  const { state } = props;
  const canWrite = state.allowed.has("admin:key.write");
  return (
    <Layout title="API keys" path="/keys" state={state}>
      {props.created ? (
        <div class="card created" role="status">
          <p>
            <strong>Copy this key now.</strong> It is shown only once; PEA keeps only a hash.
          </p>
          <code data-testid="created-key">{props.created}</code>
        </div>
      ) : null}
      {props.keys.length === 0 ? (
        <Empty>No API keys.</Empty>
      ) : (
        <div class="table-wrap">
          <table id="keys">
            <caption class="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Name</th>
                <th scope="col">User</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <th scope="row">
                    <code>{k.id}</code>
                  </th>
                  <td>{k.name}</td>
                  <td>{k.userId ?? <span class="muted">none</span>}</td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{k.createdAt.slice(0, 16).replace("T", " ")}</td>
                  <td>
                    {k.revokedAt ? (
                      <Status status="revoked" />
                    ) : canWrite ? (
                      <ActionButton
                        state={state}
                        action={`/keys/${encodeURIComponent(k.id)}/revoke`}
                        label="Revoke"
                        danger
                        confirm={`Revoke key ${k.name} (${k.id})? Every PDP stops accepting it at once.`}
                      />
                    ) : (
                      <Status status="active" />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canWrite ? (
        <details class="card" open={state.errors?.key ? true : undefined}>
          <summary>New API key</summary>
          <form method="post" action="/keys" class="grid-form">
            <Csrf state={state} />
            <FormError state={state} form="key" />
            <label for="k-name">Name</label>
            <input id="k-name" name="name" required value={val(state, "name")} />
            <label for="k-user">Bound to user</label>
            <select id="k-user" name="userId" required>
              {props.users.map((u) => (
                <option value={u.id}>{u.id}</option>
              ))}
            </select>
            <fieldset>
              <legend>Scopes</legend>
              {["authorize", "runs", "approvals", "audit", "admin"].map((s) => (
                <label class="check">
                  <input type="checkbox" name="scopes" value={s} checked={s === "authorize"} /> {s}
                </label>
              ))}
            </fieldset>
            <button type="submit" class="primary">
              Create key
            </button>
          </form>
        </details>
      ) : null}
    </Layout>
  );
}

export function ComingPage(props: { state: PageState; title: string; path: string; text: string }) {
  return (
    <Layout title={props.title} path={props.path} state={props.state}>
      <Empty>{props.text}</Empty>
    </Layout>
  );
}
