/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Activation, VersionSummary } from "@pea/policy-store";
import { DataTable, ItemList, Section, when } from "../components.js";
import { Layout, type PageState, Status } from "../layout.js";

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
      <Section id="pv" title="Published versions">
        <DataTable
          items={props.versions}
          empty="No versions published. Publish with npx pea policy publish."
          id="versions"
          caption="Published policy versions, newest first"
          columns={["Version", "Message", "Author", "Policies", "Published"]}
          cells={(v) => [
            <>
              <code>{v.id}</code> {v.id === props.active ? <Status status="active" /> : null}
            </>,
            v.message,
            v.author,
            v.policyCount,
            when(v.createdAt),
          ]}
        />
      </Section>
      <Section id="pl" title={<>Policies in the evaluated set ({props.loaded.length})</>}>
        <details>
          <summary>Show every policy</summary>
          <DataTable
            id="loaded-policies"
            caption="Policies in the set this process evaluates"
            columns={["Policy", "Effect", "Reason code", "File"]}
            items={props.loaded}
            cells={(p) => [
              <code>{p.id}</code>,
              <Status status={p.effect === "permit" ? "allow" : "deny"} />,
              p.reason ?? "",
              `${p.file}:${p.line}`,
            ]}
          />
        </details>
      </Section>
      <Section id="pa" title="Activation history">
        <ItemList
          items={props.activations}
          empty="No activations yet."
          timeline
          item={(a) => (
            <>
              <span class="muted">{when(a.createdAt)}</span> {a.kind} <code>{a.versionId}</code> by {a.requestedBy}
              {a.approvedBy ? `, approved by ${a.approvedBy}` : ""}
            </>
          )}
        />
      </Section>
    </Layout>
  );
}
