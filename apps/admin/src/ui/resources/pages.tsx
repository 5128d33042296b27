/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ResourceRow } from "@pea/policy-store";
import { DataTable, Field, FilterBar, FormCard, matches, Refs, SelectField } from "../components.js";
import { Layout, type PageState, val } from "../layout.js";

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
      <FilterBar action="/resources" table="resources" label="Filter resources" q={q} />
      <DataTable
        items={rows}
        empty={<>No resources{q ? ` match “${q}”` : " registered"}.</>}
        id="resources"
        filter="resources"
        caption="Registered resources and their governance attributes"
        columns={["Resource", "Governance attributes", "Segments"]}
        cells={(r) => [
          `${r.type}::${r.id}`,
          <code class="json">{JSON.stringify(r.attributes)}</code>,
          <Refs refs={r.parents} />,
        ]}
      />
      <FormCard
        permission="admin:resource.write"
        state={state}
        form="resource"
        summary="Register or replace a resource"
        action="/resources"
        submit="Save resource"
      >
        <SelectField state={state} id="r-type" name="type" label="Type" values={props.types} />
        <Field state={state} id="r-id" name="id" label="Id" required />
        <label for="r-attrs">Attributes (Cedar JSON)</label>
        <textarea id="r-attrs" name="attributes" rows={4}>
          {val(state, "attributes") || '{"classification": "internal", "issuers": [], "mnpi": false}'}
        </textarea>
        <Field state={state} id="r-seg" name="segment" label="Segment (optional)" />
      </FormCard>
    </Layout>
  );
}
