/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ApiKeyRow, UserRow } from "@pea/policy-store";
import { ActionButton, DataTable, Field, FormCard, SelectField } from "../components.js";
import { Layout, type PageState, Status } from "../layout.js";

const scopes = ["authorize", "runs", "approvals", "audit", "admin"];

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
      <DataTable
        rows={props.keys.length}
        empty="No API keys."
        id="keys"
        caption="API keys"
        columns={["Key id", "Name", "User", "Scopes", "Created", "State"]}
      >
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
      </DataTable>
      {canWrite ? (
        <FormCard state={state} form="key" summary="New API key" action="/keys" submit="Create key">
          <Field state={state} id="k-name" name="name" label="Name" required />
          <SelectField id="k-user" name="userId" label="Bound to user" required values={props.users.map((u) => u.id)} />
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
