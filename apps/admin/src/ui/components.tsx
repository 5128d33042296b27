/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AdminAction } from "@pea/policy-store";
import type { Child } from "hono/jsx";
import { Csrf, Empty, FormError, Layout, type PageState, refText, TableSearch, val } from "./layout.js";

// The pieces every page is made of: tables, the "new thing" form card, one-button actions, the
// filter bar, and the pages for a confirmation or a refusal.

export const matches = (q: string | undefined, ...fields: Array<string | null | undefined>) =>
  !q || fields.some((f) => f?.toLowerCase().includes(q.toLowerCase()));

/** A stored time (ISO 8601, UTC) as people read it, with its time zone. */
export const when = (iso: string) => `${iso.slice(0, 19).replace("T", " ")} UTC`;

/** A titled section of a page. */
export function Section(props: { id: string; title: Child; children?: Child }) {
  return (
    <section aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * A table with a screen-reader caption and column headers, a row an item; `filter` ties it to a
 * search box. With no `items` it is the `empty` sentence instead (given one).
 */
export function DataTable<T>(props: {
  id: string;
  caption: string;
  /** A column's header; null leaves the column (and its cell in every row) out. */
  columns: Array<string | null>;
  filter?: string;
  items: T[];
  empty?: Child;
  /** An item's cells, one a column; the first heads the row unless `rowHeads` is false. */
  cells: (item: T) => Child[];
  rowHeads?: boolean;
  rowTestId?: (item: T) => string;
}) {
  if (props.items.length === 0 && props.empty !== undefined) return <Empty>{props.empty}</Empty>;
  const heads = props.rowHeads !== false;
  const row = (item: T) => (
    <tr data-testid={props.rowTestId?.(item)}>
      {props
        .cells(item)
        .map((cell, i) =>
          props.columns[i] === null ? null : heads && i === 0 ? <th scope="row">{cell}</th> : <td>{cell}</td>,
        )}
    </tr>
  );
  return (
    <div class="table-wrap">
      <table data-filterable={props.filter} id={props.id}>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>{props.columns.map((c) => (c === null ? null : <th scope="col">{c}</th>))}</tr>
        </thead>
        <tbody>{props.items.map(row)}</tbody>
      </table>
    </div>
  );
}

/** A list of `items`, each an item drawn by `item`; with none, the `empty` sentence instead. */
export function ItemList<T>(props: { items: T[]; empty: Child; item: (item: T) => Child; timeline?: boolean }) {
  if (props.items.length === 0) return <Empty>{props.empty}</Empty>;
  const items = props.items.map((item) => <li>{props.item(item)}</li>);
  return props.timeline ? <ol class="timeline">{items}</ol> : <ul class="list">{items}</ul>;
}

/** A collapsed card holding one form that creates or changes something; open when it failed. */
export function FormCard(props: {
  state: PageState;
  /** Shown only to those allowed this admin action. */
  permission?: AdminAction;
  form: string;
  summary: string;
  action: string;
  submit: string;
  hidden?: Record<string, string>;
  children?: Child;
}) {
  const { state } = props;
  if (props.permission !== undefined && !state.allowed.has(props.permission)) return null;
  return (
    <details class="card" open={state.errors?.[props.form] ? true : undefined}>
      <summary>{props.summary}</summary>
      <form method="post" action={props.action} class="grid-form" aria-describedby={`${props.form}-error`}>
        <Csrf state={state} />
        {Object.entries(props.hidden ?? {}).map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        <FormError state={state} form={props.form} />
        {props.children}
        <button type="submit" class="primary">
          {props.submit}
        </button>
      </form>
    </details>
  );
}

/** A labelled text input that keeps what was typed when its form failed. */
export function Field(props: {
  state: PageState;
  id: string;
  name: string;
  label: string;
  required?: boolean;
  type?: string;
  placeholder?: string;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type}
        required={props.required}
        placeholder={props.placeholder}
        value={val(props.state, props.name)}
      />
    </>
  );
}

/** A labelled select of `values`. */
export function SelectField(props: {
  id: string;
  name: string;
  label: string;
  values: string[];
  labels?: string[];
  required?: boolean;
  /** Given, the value typed before a failure is selected again. */
  state?: PageState;
  /** A first, empty choice (e.g. "Choose an owner…"). */
  prompt?: string;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name} required={props.required}>
        {props.prompt ? <option value="">{props.prompt}</option> : null}
        <Options state={props.state} name={props.name} values={props.values} labels={props.labels} />
      </select>
    </>
  );
}

/** Options of a select, the one typed before a failure selected again. */
export function Options(props: { state?: PageState; name?: string; values: string[]; labels?: string[] }) {
  const chosen = props.state && props.name ? val(props.state, props.name) : undefined;
  return (
    <>
      {props.values.map((v, i) => (
        <option value={v} selected={chosen === v}>
          {props.labels?.[i] ?? v}
        </option>
      ))}
    </>
  );
}

/** A search box above a page's tables (filters as you type; on the server without script). */
export function FilterBar(props: { action: string; table: string; label: string; q?: string | undefined }) {
  return (
    <form method="get" action={props.action} class="toolbar">
      <TableSearch table={props.table} label={props.label} q={props.q} />
      <noscript>
        <button type="submit">Filter</button>
      </noscript>
    </form>
  );
}

/** A small POST form with one button; `confirm` makes it ask first. */
export function ActionButton(props: {
  state: PageState;
  action: string;
  label: string;
  fields?: Record<string, string>;
  confirm?: string | undefined;
  danger?: boolean;
  primary?: boolean;
  testid?: string;
  children?: Child;
}) {
  const size = props.primary ? "primary" : "small";
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf state={props.state} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      {props.children}
      <button
        type="submit"
        class={props.danger ? (props.primary ? "danger" : "danger small") : size}
        data-testid={props.testid}
      >
        {props.label}
      </button>
    </form>
  );
}

export function Refs({ refs }: { refs: Array<{ type: string; id: string }> }) {
  if (refs.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="chips">
      {refs.map((r) => (
        <li class={`chip ${r.type.toLowerCase()}`}>{refText(r)}</li>
      ))}
    </ul>
  );
}

/** The no-script confirmation step for a destructive action. */
export function ConfirmPage(props: {
  state: PageState;
  title: string;
  text: string;
  action: string;
  fields: Record<string, string>;
  back: string;
}) {
  return (
    <Layout title={props.title} path={props.back} state={props.state}>
      <div class="card narrow">
        <p>{props.text}</p>
        <form method="post" action={props.action} class="row">
          <Csrf state={props.state} />
          {Object.entries(props.fields).map(([k, v]) => (
            <input type="hidden" name={k} value={v} />
          ))}
          <input type="hidden" name="confirm" value="yes" />
          <a href={props.back} class="button">
            Cancel
          </a>
          <button type="submit" class="danger">
            Confirm
          </button>
        </form>
      </div>
    </Layout>
  );
}

/** A page that only says something: a refusal, or that a thing does not exist. */
export function ComingPage(props: { state: PageState; title: string; path: string; text: string }) {
  return (
    <Layout title={props.title} path={props.path} state={props.state}>
      <Empty>{props.text}</Empty>
    </Layout>
  );
}
