/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AgentRow, ApiKeyRow, CredentialRequestRow, GroupRow, UserRow } from "@pea/policy-store";
import { ActionButton, DataTable, Field, FormCard, Options, Section, SelectField, when } from "../components.js";
import { FormError, Layout, type PageState, Status } from "../layout.js";

const scopes = ["authorize", "runs", "approvals", "audit", "admin"];
const kinds = ["user", "service", "gateway"];
const kindLabels = [
  "user: speaks for one person",
  "service: speaks for the agents it hosts",
  "gateway: speaks for principals whose delegation each request proves",
];

/** Whom a key speaks for, in a few words. */
function binding(k: ApiKeyRow): string {
  if (k.kind === "user") return `User::${k.userId}`;
  if (k.kind === "service")
    return [...k.agents.map((a) => `Agent::${a}`), ...k.agentGroups.map((g) => `Group::${g}`)].join(", ");
  return k.kind === "gateway" ? "proven delegations" : "nobody (administers)";
}

export function KeysPage(props: {
  state: PageState;
  keys: ApiKeyRow[];
  requests: CredentialRequestRow[];
  users: UserRow[];
  agents: AgentRow[];
  groups: GroupRow[];
  /** A key just made or collected: shown in this answer only. */
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
      <DataTable
        items={props.keys}
        empty="No API keys."
        id="keys"
        caption="API keys"
        columns={["Key id", "Name", "Kind", "Speaks for", "Scopes", "Created by", "Created", "State"]}
        cells={(k) => [
          <code>{k.id}</code>,
          k.name,
          k.kind,
          binding(k),
          k.scopes.join(", "),
          k.createdBy ?? <span class="muted">unknown</span>,
          k.createdAt.slice(0, 16).replace("T", " "),
          k.revokedAt ? (
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
          ),
        ]}
      />
      <Section id="requests" title="Credential requests">
        <p class="muted">
          A key bound to another person, or another person's password, takes two administrators: one asks, a second
          approves. The one who asked then collects the key, once.
        </p>
        <FormError state={state} form="requests" />
        <DataTable
          items={props.requests}
          empty="No credential requests."
          id="credential-requests"
          caption="Credential requests"
          columns={["Request", "For", "What", "Asked by", "Asked", "State", ""]}
          cells={(r) => [
            <code>{r.id}</code>,
            r.subject,
            r.kind === "api_key" ? `key ${r.detail.name} (${(r.detail.scopes ?? []).join(", ")})` : "password",
            r.requestedBy,
            when(r.requestedAt),
            `${r.status}${r.decidedBy ? ` by ${r.decidedBy}` : ""}`,
            <RequestActions state={state} request={r} />,
          ]}
        />
      </Section>
      {canWrite ? (
        <FormCard state={state} form="key" summary="New API key" action="/keys" submit="Create key">
          <Field state={state} id="k-name" name="name" label="Name" required />
          <SelectField id="k-kind" name="kind" label="Kind" values={kinds} labels={kindLabels} state={state} required />
          <SelectField
            id="k-user"
            name="userId"
            label="Person (a user key; another person's key needs a second administrator)"
            values={props.users.map((u) => u.id)}
            prompt="—"
            state={state}
          />
          <label for="k-agents">Agents (a service key)</label>
          <select id="k-agents" name="agents" multiple>
            <Options values={props.agents.map((a) => a.id)} />
          </select>
          <label for="k-groups">Agent groups (a service key)</label>
          <select id="k-groups" name="agentGroups" multiple>
            <Options values={props.groups.map((g) => g.id)} />
          </select>
          <fieldset>
            <legend>Scopes</legend>
            {scopes.map((s) => (
              <label class="check">
                <input type="checkbox" name="scopes" value={s} checked={s === "authorize"} /> {s}
              </label>
            ))}
          </fieldset>
        </FormCard>
      ) : null}
    </Layout>
  );
}

/** Approve or refuse (someone else's request), withdraw (one's own), or collect an approved key. */
function RequestActions(props: { state: PageState; request: CredentialRequestRow }) {
  const { state, request: r } = props;
  const path = `/keys/requests/${encodeURIComponent(r.id)}`;
  const mine = r.requestedBy === state.user;
  if (r.status === "approved" && mine && r.kind === "api_key") {
    return (
      <ActionButton state={state} action={`${path}/collect`} label="Collect key" primary testid={`collect-${r.id}`} />
    );
  }
  if (r.status !== "pending") return null;
  return (
    <>
      {mine ? null : (
        <ActionButton state={state} action={`${path}/approve`} label="Approve" testid={`approve-${r.id}`} />
      )}
      <ActionButton state={state} action={`${path}/reject`} label={mine ? "Withdraw" : "Refuse"} danger />
    </>
  );
}
