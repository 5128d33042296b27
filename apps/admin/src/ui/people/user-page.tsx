/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AgentRow, ApiKeyRow, GroupRow, SegmentRow, UserRow } from "@pea/policy-store";
import { FormCard, ItemList, Section } from "../components.js";
import { FormError, Layout, type PageState, Status } from "../layout.js";
import { ActivitySections, type PersonActivity } from "./activity.js";
import { Memberships, StatusToggle } from "./memberships.js";

export function UserPage(props: {
  state: PageState;
  user: UserRow;
  agents: AgentRow[];
  groups: GroupRow[];
  segments: SegmentRow[];
  keys: ApiKeyRow[];
  activity: PersonActivity;
}) {
  const { state, user } = props;
  const back = `/people/users/${encodeURIComponent(user.id)}`;
  return (
    <Layout title={`User ${user.id}`} path="/people" state={state}>
      <p>
        {user.displayName} {user.email ? <span class="muted">· {user.email}</span> : null} ·{" "}
        <Status status={user.status} /> · {user.hasPassword ? "can sign in with a password" : "no local password"}
      </p>
      {state.allowed.has("admin:user.write") ? (
        <StatusToggle
          state={state}
          back={back}
          status={user.status}
          confirm={`Suspend ${user.id}? Every decision for them and their agents is denied at once.`}
        />
      ) : null}
      <FormError state={state} form="status" />
      {state.allowed.has("admin:user.write") && state.user !== user.id ? (
        <FormCard
          state={state}
          form="password"
          summary={user.hasPassword ? "Reset password" : "Set a password"}
          action={`${back}/password`}
          submit="Ask for approval"
        >
          <p class="muted">
            A second administrator approves this before it takes effect; {user.id} must then change it at first sign-in.
          </p>
          <label for="pw-new">New password (12+ characters)</label>
          <input id="pw-new" name="password" type="password" autocomplete="new-password" required minlength={12} />
        </FormCard>
      ) : null}
      <Memberships state={state} type="User" entity={user} lists={props} back={back} />
      <ActivitySections user={user.id} activity={props.activity} />
      <Section id="a" title="Agents owned">
        <ItemList
          items={props.agents}
          empty={<>{user.id} owns no agents.</>}
          item={(a) => (
            <>
              <a href={`/people/agents/${encodeURIComponent(a.id)}`}>{a.id}</a> <Status status={a.status} />{" "}
              <span class="muted">{a.intents.join(", ")}</span>
            </>
          )}
        />
      </Section>
      <Section id="k" title={<>API keys bound to {user.id}</>}>
        <ItemList
          items={props.keys}
          empty="No keys. Create one on the API keys page."
          item={(k) => (
            <>
              <code>{k.id}</code> {k.name} <span class="muted">{k.scopes.join(", ")}</span>{" "}
              {k.revokedAt ? <Status status="revoked" /> : <Status status="active" />}
            </>
          )}
        />
      </Section>
    </Layout>
  );
}
