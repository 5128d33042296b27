/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { GroupRow, SegmentRow } from "@pea/policy-store";
import { DataTable, Field, FilterBar, FormCard, matches, Refs, Section } from "../components.js";
import { Layout, type PageState, refText } from "../layout.js";

const kinds = {
  group: { title: "Groups", one: "Group", needs: "admin:group.write", prefix: "ng" },
  segment: { title: "Segments (information barriers)", one: "Segment", needs: "admin:segment.write", prefix: "ns" },
} as const;

/** The groups or the segments: their table, and the form that creates one. */
function KindSection(props: {
  state: PageState;
  kind: keyof typeof kinds;
  rows: Array<GroupRow | SegmentRow>;
  q?: string | undefined;
}) {
  const { state, q } = props;
  const k = kinds[props.kind];
  const groups = props.kind === "group";
  return (
    <Section id={props.kind === "group" ? "g" : "s"} title={k.title}>
      <DataTable
        id={`${props.kind}s`}
        filter="groups"
        caption={`${k.one}s and their members`}
        columns={[k.one, "Description", "Members", groups ? "Inside" : null]}
        items={props.rows}
        empty={`No ${props.kind}s${q ? ` match “${q}”` : ""}.`}
        cells={(g) => [
          g.id,
          g.description,
          <Refs refs={g.members} />,
          "memberOf" in g ? <Refs refs={g.memberOf} /> : null,
        ]}
      />
      {state.allowed.has(k.needs) ? (
        <FormCard
          state={state}
          form={`new-${props.kind}`}
          summary={`New ${props.kind}`}
          action="/groups"
          submit={`Create ${props.kind}`}
          hidden={{ kind: props.kind }}
        >
          <Field state={state} id={`${k.prefix}-id`} name="id" label={`${k.one} id`} required />
          <Field state={state} id={`${k.prefix}-d`} name="description" label="Description" />
        </FormCard>
      ) : null}
    </Section>
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
  return (
    <Layout title="Groups & segments" path="/groups" state={state}>
      <FilterBar action="/groups" table="groups" label="Filter groups and segments" q={q} />
      <KindSection state={state} kind="group" rows={groups} q={q} />
      <KindSection state={state} kind="segment" rows={segments} q={q} />
    </Layout>
  );
}
