/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AdminAction } from "@pea/policy-store";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";

export interface PageState {
  user: string;
  csrf: string;
  allowed: Set<AdminAction>;
  roles: string[];
  flash?: { kind: "ok" | "error"; text: string } | undefined;
  /** Inline validation error per form id. */
  errors?: Record<string, string> | undefined;
  /** What the user typed, to put back in a form that failed. */
  values?: Record<string, string> | undefined;
}

export const navItems: Array<{ href: string; label: string; needs?: AdminAction }> = [
  { href: "/", label: "Overview" },
  { href: "/people", label: "People & agents" },
  { href: "/groups", label: "Groups & segments" },
  { href: "/intents", label: "Intents" },
  { href: "/resources", label: "Resources" },
  { href: "/keys", label: "API keys" },
  { href: "/sod", label: "SoD & walls" },
  { href: "/approvals", label: "Approvals" },
  { href: "/runs", label: "Runs" },
  { href: "/revocations", label: "Revocations" },
  { href: "/audit", label: "Audit", needs: "admin:audit.read" },
  { href: "/policies", label: "Policies", needs: "admin:policy.read" },
];

export function Layout(props: { title: string; path: string; state?: PageState; children?: Child }) {
  const { state } = props;
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · PEA admin`}</title>
          <link rel="stylesheet" href="/assets/app.css" />
          <link rel="stylesheet" href="/assets/console.css" />
          <script src="/assets/app.js" defer></script>
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/">
              PEA <span>admin</span>
            </a>
            {state ? (
              <div class="who">
                <span>
                  Signed in as <strong data-testid="signed-in-user">{state.user}</strong>
                  <span class="roles" data-testid="roles">
                    {state.roles.length > 0 ? ` · ${state.roles.join(", ")}` : " · no admin role"}
                  </span>
                </span>
                <a href="/account/password">Change password</a>
                <SignOut csrf={state.csrf} />
              </div>
            ) : null}
          </header>
          <div class={state ? "frame" : "frame bare"}>
            {state ? (
              <nav aria-label="Sections">
                <ul>
                  {navItems
                    .filter((n) => !n.needs || state.allowed.has(n.needs))
                    .map((n) => (
                      <li>
                        <a
                          href={n.href}
                          aria-current={
                            (n.href === "/" ? props.path === "/" : props.path.startsWith(n.href)) ? "page" : undefined
                          }
                        >
                          {n.label}
                        </a>
                      </li>
                    ))}
                </ul>
              </nav>
            ) : null}
            <main id="main" tabindex={-1}>
              <h1>{props.title}</h1>
              {state?.flash ? (
                <p
                  class={`flash ${state.flash.kind}`}
                  role={state.flash.kind === "error" ? "alert" : "status"}
                  data-testid="flash"
                >
                  {state.flash.text}
                </p>
              ) : null}
              {props.children}
            </main>
          </div>
          <dialog id="confirm" aria-labelledby="confirm-title">
            <form method="dialog">
              <h2 id="confirm-title">Are you sure?</h2>
              <p id="confirm-text"></p>
              <div class="row">
                <button value="cancel" type="submit">
                  Cancel
                </button>
                <button value="ok" type="submit" class="danger" id="confirm-ok">
                  Confirm
                </button>
              </div>
            </form>
          </dialog>
        </body>
      </html>
    </>
  );
}

/** The sign-out button: in the header, and on the page a session sees before it may go anywhere. */
export function SignOut({ csrf }: { csrf: string }) {
  return (
    <form method="post" action="/logout">
      <input type="hidden" name="_csrf" value={csrf} />
      <button type="submit" class="link">
        Sign out
      </button>
    </form>
  );
}

/** A hidden CSRF field for every form that changes something. */
export const Csrf = ({ state }: { state: PageState }) => <input type="hidden" name="_csrf" value={state.csrf} />;

/** The inline error of one form, announced to screen readers. */
export function FormError({ state, form }: { state: PageState; form: string }) {
  const message = state.errors?.[form];
  return message ? (
    <p class="form-error" role="alert" id={`${form}-error`} data-testid={`${form}-error`}>
      {message}
    </p>
  ) : null;
}

export const val = (state: PageState, name: string) => state.values?.[name] ?? "";

/** A search box that filters a table's rows as you type (and on the server without script). */
export function TableSearch(props: { table: string; label: string; q?: string | undefined }) {
  return (
    <div class="search">
      <label for={`${props.table}-q`}>{props.label}</label>
      <input
        id={`${props.table}-q`}
        type="search"
        name="q"
        value={props.q ?? ""}
        data-filter={props.table}
        autocomplete="off"
        placeholder="Type to filter"
      />
    </div>
  );
}

export function Empty({ children }: { children?: Child }) {
  return <p class="empty">{children}</p>;
}

export function Status({ status }: { status: string }) {
  return <span class={`badge ${status}`}>{status}</span>;
}

export const refText = (r: { type: string; id: string }) => `${r.type}::${r.id}`;
