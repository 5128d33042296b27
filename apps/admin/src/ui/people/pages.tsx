/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AgentRow, Revocation, UserRow } from "@pea/policy-store";
import { DataTable, Field, FilterBar, FormCard, matches, Refs, Section, SelectField } from "../components.js";
import { Layout, type PageState, Status } from "../layout.js";
import { RevokedMark } from "../revocations/pages.js";

export function PeoplePage(props: {
  state: PageState;
  users: UserRow[];
  agents: AgentRow[];
  /** Agents revoked through /v1/revocations (their entitlement status does not say so). */
  revokedAgents: Map<string, Revocation>;
  q?: string | undefined;
}) {
  const { state, q } = props;
  const users = props.users.filter((u) => matches(q, u.id, u.displayName, u.email, u.status));
  const agents = props.agents.filter((a) => matches(q, a.id, a.owner, a.description, a.status, ...a.intents));
  const owners = props.users.filter((u) => u.status === "active");
  return (
    <Layout title="People & agents" path="/people" state={state}>
      <FilterBar action="/people" table="people" label="Filter people and agents" q={q} />
      <Section id="users" title="Users">
        <DataTable
          id="users"
          filter="people"
          caption="Users, their status and memberships"
          columns={["User", "Name", "Status", "Groups & segments", "Agents owned"]}
          items={users}
          empty={q ? `No user matches “${q}”.` : "No users yet. Create the first one below."}
          cells={(u) => [
            <a href={`/people/users/${encodeURIComponent(u.id)}`}>{u.id}</a>,
            <>
              {u.displayName}
              {u.email ? <div class="muted">{u.email}</div> : null}
            </>,
            <Status status={u.status} />,
            <Refs refs={u.memberOf} />,
            props.agents
              .filter((a) => a.owner === u.id)
              .map((a) => a.id)
              .join(", ") || <span class="muted">none</span>,
          ]}
        />
        {state.allowed.has("admin:user.write") ? (
          <FormCard state={state} form="new-user" summary="New user" action="/people/users" submit="Create user">
            <Field state={state} id="nu-id" name="id" label="User id" required />
            <Field state={state} id="nu-name" name="displayName" label="Display name" required />
            <Field state={state} id="nu-email" name="email" label="E-mail (optional)" type="email" />
          </FormCard>
        ) : null}
      </Section>

      <Section id="agents" title="Agents">
        <DataTable
          id="agents"
          filter="people"
          caption="Agents, their owners and what they may do"
          columns={["Agent", "Owner", "Status", "Intents (what it may do)", "Groups & segments"]}
          items={agents}
          empty={q ? `No agent matches “${q}”.` : "No agents registered yet."}
          cells={(a) => [
            <>
              <a href={`/people/agents/${encodeURIComponent(a.id)}`}>{a.id}</a>
              <div class="muted">{a.description}</div>
            </>,
            <a href={`/people/users/${encodeURIComponent(a.owner)}`}>{a.owner}</a>,
            props.revokedAgents.has(a.id) ? (
              <RevokedMark revocation={props.revokedAgents.get(a.id)} />
            ) : (
              <Status status={a.status} />
            ),
            a.intents.join(", ") || <span class="muted">none</span>,
            <Refs refs={a.memberOf} />,
          ]}
        />
        <FormCard
          permission="admin:agent.write"
          state={state}
          form="new-agent"
          summary="Register an agent"
          action="/people/agents"
          submit="Register agent"
        >
          <Field state={state} id="na-id" name="id" label="Agent id" required />
          <SelectField
            state={state}
            id="na-owner"
            name="owner"
            label="Owner (a user)"
            required
            prompt="Choose an owner…"
            values={owners.map((u) => u.id)}
            labels={owners.map((u) => `${u.id} — ${u.displayName}`)}
          />
          <Field state={state} id="na-desc" name="description" label="Description" />
        </FormCard>
      </Section>
    </Layout>
  );
}
