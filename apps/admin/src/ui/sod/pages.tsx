/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { WallCrossing } from "@pea/policy-store";
import { ActionButton, DataTable, Field, FormCard, Section, SelectField, when } from "../components.js";
import { Layout, type PageState, Status, val } from "../layout.js";

function CrossingState({ state, crossing: x }: { state: PageState; crossing: WallCrossing }) {
  if (!x.active) return <Status status={x.revokedAt ? "revoked" : "expired"} />;
  if (!state.allowed.has("admin:wall.cross")) return <Status status="active" />;
  return (
    <ActionButton
      state={state}
      action={`/sod/crossings/${encodeURIComponent(x.id)}/revoke`}
      label="Revoke"
      danger
      confirm={`Revoke ${x.user}'s crossing for ${x.issuer}? Their next decision is denied.`}
      testid={`revoke-${x.user}-${x.issuer}`}
    >
      <Status status="active" />{" "}
    </ActionButton>
  );
}

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
      <Section id="sod" title="Declared SoD conflicts">
        <p class="muted">Nobody may hold both groups of a pair; PEA refuses the membership that would make it so.</p>
        <DataTable
          items={props.conflicts}
          empty="No conflicts declared."
          id="sod-conflicts"
          caption="Group pairs nobody may hold together"
          columns={["Group", "conflicts with", "Why"]}
          cells={(c) => [c.a, c.b, c.description]}
        />
        <FormCard
          permission="admin:sod.write"
          state={state}
          form="sod"
          summary="Declare a conflict"
          action="/sod/conflicts"
          submit="Declare conflict"
        >
          <SelectField id="sod-a" name="a" label="Group" required values={props.groups} />
          <SelectField id="sod-b" name="b" label="conflicts with" required values={props.groups} />
          <Field state={state} id="sod-d" name="description" label="Why" />
        </FormCard>
      </Section>

      <Section id="wx" title="Wall crossings">
        <p class="muted">
          Compliance brings a named person over the information barrier for one issuer, until an expiry.
        </p>
        <DataTable
          items={props.crossings}
          empty="No wall crossings."
          id="crossings"
          caption="Wall crossings"
          columns={["Person", "Issuer", "Reason", "Granted by", "Until", "State"]}
          cells={(x) => [
            x.user,
            x.issuer,
            x.reason,
            x.grantedBy,
            when(x.expiresAt),
            <CrossingState state={state} crossing={x} />,
          ]}
        />
        <FormCard
          permission="admin:wall.cross"
          state={state}
          form="crossing"
          summary="Bring someone over the wall"
          action="/sod/crossings"
          submit="Grant crossing"
        >
          <SelectField state={state} id="wx-user" name="user" label="Person" required values={props.users} />
          <Field state={state} id="wx-issuer" name="issuer" label="Issuer" required placeholder="ACME" />
          <Field state={state} id="wx-reason" name="reason" label="Reason" required />
          <label for="wx-ttl">For (minutes)</label>
          <input id="wx-ttl" name="minutes" type="number" min="1" max="129600" value={val(state, "minutes") || "60"} />
        </FormCard>
      </Section>
    </Layout>
  );
}
