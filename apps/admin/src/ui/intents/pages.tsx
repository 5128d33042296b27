/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { IntentRow } from "@pea/policy-store";
import { DataTable, Field, FilterBar, FormCard, matches } from "../components.js";
import { Csrf, FormError, Layout, type PageState, val } from "../layout.js";

const capText = (i: IntentRow) => i.capabilities.map((c) => `${c.action} on ${c.resourceType}`).join("\n");

function CapabilityEditor({ state, intent }: { state: PageState; intent: IntentRow }) {
  return (
    <details>
      <summary>Edit capability set</summary>
      <form method="post" action={`/intents/${encodeURIComponent(intent.id)}`} class="stack">
        <Csrf state={state} />
        <FormError state={state} form={`intent-${intent.id}`} />
        <label for={`cap-${intent.id}`}>One “action on ResourceType” per line</label>
        <textarea id={`cap-${intent.id}`} name="capabilities" rows={4}>
          {capText(intent)}
        </textarea>
        <button type="submit">Save capability set</button>
      </form>
    </details>
  );
}

export function IntentsPage(props: {
  state: PageState;
  intents: IntentRow[];
  actions: string[];
  q?: string | undefined;
}) {
  const { state, q } = props;
  const canWrite = state.allowed.has("admin:intent.write");
  const intents = props.intents.filter((i) => matches(q, i.id, i.description, ...i.agents));
  return (
    <Layout title="Intents & capability sets" path="/intents" state={state}>
      <FilterBar action="/intents" table="intents" label="Filter intents" q={q} />
      <DataTable
        items={intents}
        empty={<>No intents{q ? ` match “${q}”` : " yet"}.</>}
        id="intents"
        filter="intents"
        caption="Intents, their capability sets and the agents holding them"
        columns={["Intent", "Capability set", "Held by"]}
        cells={(i) => [
          <>
            {i.id}
            <div class="muted">{i.description}</div>
          </>,
          <>
            <ul class="chips">
              {i.capabilities.map((c) => (
                <li class="chip">
                  {c.action} on {c.resourceType}
                </li>
              ))}
            </ul>
            {canWrite ? <CapabilityEditor state={state} intent={i} /> : null}
          </>,
          i.agents.join(", ") || <span class="muted">no agent</span>,
        ]}
      />
      {canWrite ? (
        <FormCard state={state} form="new-intent" summary="New intent" action="/intents" submit="Create intent">
          <Field state={state} id="ni-id" name="id" label="Intent id" required />
          <Field state={state} id="ni-d" name="description" label="Description" />
          <label for="ni-c">Capabilities, one “action on ResourceType” per line</label>
          <textarea id="ni-c" name="capabilities" rows={4} aria-describedby="ni-help">
            {val(state, "capabilities")}
          </textarea>
          <p id="ni-help" class="muted">
            Actions: {props.actions.join(", ")}
          </p>
        </FormCard>
      ) : null}
    </Layout>
  );
}
