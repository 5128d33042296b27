/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AgentRow, GroupRow, IntentRow, Revocation, RunRow, SegmentRow } from "@pea/policy-store";
import { ActionButton, ItemList, Section, when } from "../components.js";
import { Csrf, FormError, Layout, type PageState, Status } from "../layout.js";
import { RevokedMark } from "../revocations/pages.js";
import { Memberships, StatusToggle } from "./memberships.js";

/** What /v1/revocations stopped among what this page shows: the agent, its grants, its tasks. */
export interface AgentRevocations {
  agent: Revocation | undefined;
  grants: Map<string, Revocation>;
  intents: Map<string, Revocation>;
}

export function AgentPage(props: {
  state: PageState;
  agent: AgentRow;
  intents: IntentRow[];
  groups: GroupRow[];
  segments: SegmentRow[];
  runs: RunRow[];
  revoked: AgentRevocations;
}) {
  const { state, agent, revoked } = props;
  const back = `/people/agents/${encodeURIComponent(agent.id)}`;
  const held = props.intents.filter((i) => agent.intents.includes(i.id));
  const others = props.intents.filter((i) => !agent.intents.includes(i.id));
  return (
    <Layout title={`Agent ${agent.id}`} path="/people" state={state}>
      <p>
        {agent.description || <span class="muted">no description</span>} · owner{" "}
        <a href={`/people/users/${encodeURIComponent(agent.owner)}`} data-testid="agent-owner">
          {agent.owner}
        </a>{" "}
        · {revoked.agent ? <RevokedMark revocation={revoked.agent} /> : <Status status={agent.status} />}
        {agent.delegableBy.length > 0 ? <> · sub-agent of {agent.delegableBy.join(", ")}</> : null}
      </p>
      {revoked.agent ? (
        <p class="error" data-testid="agent-revoked">
          Revoked {when(revoked.agent.createdAt)} by {revoked.agent.by}: {revoked.agent.reason}. Every decision for it
          is denied, for good; <a href="/revocations">revocations</a>.
        </p>
      ) : null}
      {state.allowed.has("admin:agent.write") && !revoked.agent ? (
        <StatusToggle
          state={state}
          back={back}
          status={agent.status}
          confirm={`Suspend ${agent.id}? Its next decision anywhere is denied.`}
        />
      ) : null}
      <FormError state={state} form="status" />
      <Section id="i" title="What it may do (intents)">
        <ItemList
          items={held}
          empty="Holds no intents: it may do nothing."
          item={(i) => (
            <>
              <strong>{i.id}</strong> <RevokedMark revocation={revoked.grants.get(i.id) ?? revoked.intents.get(i.id)} />{" "}
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
            </>
          )}
        />
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
      </Section>
      <Memberships state={state} type="Agent" entity={agent} lists={props} back={back} />
      <Section id="r" title="Its runs">
        <ItemList
          items={props.runs}
          empty="No runs yet."
          item={(r) => (
            <>
              <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a> <Status status={r.status} />{" "}
              <span class="muted">
                {r.intent} · {when(r.createdAt)}
              </span>
            </>
          )}
        />
      </Section>
    </Layout>
  );
}
