/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type AdminActor, AdminDeniedError, refusalOf } from "@pea/policy-store";
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AdminEnv } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { ComingPage, ConfirmPage } from "./components.js";
import type { PageState } from "./layout.js";

// The form framework every UI area shares: reading a form, the page state, and running a change
// (flash and redirect on success; the page again with the error inline on a refusal).

export type Form = Record<string, string | string[]>;
export type UiApp = Hono<AdminEnv>;
export type UiContext = Context<AdminEnv>;
/** Renders a page for a state (used again, with the error inline, when a change is refused). */
export type Render = (c: UiContext, s: PageState) => Promise<Response>;

const FLASH_COOKIE = "pea_admin_flash";

export const one = (form: Form, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
};
export const many = (form: Form, name: string): string[] => {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/** "Group::payments-approvers" → { type, id } */
export const parseRef = (text: string) => {
  const at = text.indexOf("::");
  return at > 0 ? { type: text.slice(0, at), id: text.slice(at + 2) } : undefined;
};
/** Only same-site relative paths are followed after a change or sign-in. */
export const safePath = (path: string, fallback: string) => (/^\/(?!\/)[\w\-./%:@]*$/.test(path) ? path : fallback);
export const valuesOf = (form: Form) =>
  Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v.join("\n") : String(v)]));
/** Each list of `lists` read for the signed-in actor, all at once, under its name. */
export async function listsFor<L extends Record<string, (actor: AdminActor) => Promise<unknown>>>(
  c: UiContext,
  lists: L,
): Promise<{ [K in keyof L]: Awaited<ReturnType<L[K]>> }> {
  const actor = c.get("actor");
  const named = Object.entries(lists);
  const values = await Promise.all(named.map(([, list]) => list(actor)));
  return Object.fromEntries(named.map(([name], i) => [name, values[i]])) as {
    [K in keyof L]: Awaited<ReturnType<L[K]>>;
  };
}
/** The :id of the request's path. */
export const idOf = (c: UiContext): string => c.req.param("id") as string;
export const formOf = async (c: UiContext) => (await c.req.parseBody({ all: true })) as Form;

/** What a refusal says to the person: the rule that refused it, in words. */
export function describeError(error: unknown): string | undefined {
  const refusal = refusalOf(error);
  if (!refusal) return undefined;
  return error instanceof AdminDeniedError ? `Refused: ${refusal.message}` : refusal.message;
}

/** The status a refused change answers with: 403 for the admin policies, 422 for invalid input. */
export const refusalStatus = (error: unknown) => (error instanceof AdminDeniedError ? 403 : 422);

type Of<T> = (form: Form, c: UiContext) => T;

export interface PostSpec {
  formId: string | Of<string>;
  back: string | Of<string>;
  done: Of<string>;
  /** The page to show again, with the error inline, when the change is refused. */
  render: Of<Render>;
  work: (actor: AdminActor, form: Form, c: UiContext) => Promise<unknown>;
  /** A destructive change: the question asked before it is made (undefined: ask nothing). */
  confirm?: Of<{ title: string; text: string } | undefined>;
  /** Whether what was typed goes back into the form on a refusal (never for a password). */
  keepValues?: boolean;
}

/** A change made from a list page: it goes back to the page, and shows it again when refused. */
export type PageChange = Omit<PostSpec, "back" | "render">;

export interface UiKit {
  deps: AppDeps;
  state(c: UiContext, extra?: Partial<PageState>): Promise<PageState>;
  flashAndGo(c: UiContext, path: string, text: string, kind?: "ok" | "error"): Response;
  attempt(
    c: UiContext,
    opts: {
      form: Form;
      formId: string;
      back: string;
      done: string;
      work: (actor: AdminActor) => Promise<unknown>;
      render: Render;
    },
  ): Promise<Response>;
  /** Destructive changes need confirm=yes (set by the dialog, or by the no-script confirm page). */
  confirmed(c: UiContext, form: Form, title: string, text: string, back: string): Promise<Response | undefined>;
  /**
   * POST `path`: read the form, ask first if `confirm` says so, then `attempt` the change. Each
   * field may depend on the form and the request (its path parameters).
   */
  post(ui: UiApp, path: string, spec: PostSpec): void;
  /**
   * GET `path` shows the page `render` draws, and each of `changes` is POST to its path from that
   * page: back to `path` when done, `render` again with the error inline when refused.
   */
  page(ui: UiApp, path: string, render: Render, changes?: Record<string, PageChange>): void;
  /** Show a read-only page, or (403) the rule that refuses it to this person. */
  orRefused(c: UiContext, s: PageState, title: string, show: () => Promise<Response>): Promise<Response>;
}

export function createUiKit(deps: AppDeps): UiKit {
  const state: UiKit["state"] = async (c, extra = {}) => {
    const actor = c.get("actor");
    let flash: PageState["flash"];
    const raw = getCookie(c, FLASH_COOKIE);
    if (raw) {
      deleteCookie(c, FLASH_COOKIE, { path: "/" });
      try {
        flash = JSON.parse(decodeURIComponent(raw)) as PageState["flash"];
      } catch {
        flash = undefined;
      }
    }
    return {
      user: actor.userId,
      csrf: c.get("session")?.csrfToken ?? "",
      allowed: await deps.authorizer.allowedActions(actor.userId),
      roles: await deps.authorizer.rolesOf(actor.userId),
      flash,
      ...extra,
    };
  };
  const flashAndGo: UiKit["flashAndGo"] = (c, path, text, kind = "ok") => {
    setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify({ kind, text })), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: 60,
      secure: deps.secureCookies,
    });
    return c.redirect(path, 303);
  };
  const attempt: UiKit["attempt"] = async (c, opts) => {
    try {
      await opts.work(c.get("actor"));
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(refusalStatus(error));
      const s = await state(c, { errors: { [opts.formId]: message }, values: valuesOf(opts.form) });
      return opts.render(c, s);
    }
    return flashAndGo(c, opts.back, opts.done);
  };
  const confirmed: UiKit["confirmed"] = async (c, form, title, text, back) => {
    if (one(form, "confirm") === "yes") return undefined;
    const fields = Object.fromEntries(Object.entries(valuesOf(form)).filter(([k]) => k !== "_csrf" && k !== "confirm"));
    return c.html(
      <ConfirmPage state={await state(c)} title={title} text={text} action={c.req.path} fields={fields} back={back} />,
    );
  };
  const value = <T,>(v: T | Of<T>, form: Form, c: UiContext): T =>
    typeof v === "function" ? (v as Of<T>)(form, c) : v;
  const kit: UiKit = {
    deps,
    state,
    flashAndGo,
    attempt,
    confirmed,
    post(ui, path, spec) {
      ui.post(path, async (c) => {
        const form = await formOf(c);
        const back = value(spec.back, form, c);
        const ask = spec.confirm?.(form, c);
        if (ask) {
          const page = await confirmed(c, form, ask.title, ask.text, back);
          if (page) return page;
        }
        return attempt(c, {
          form: spec.keepValues === false ? {} : form,
          formId: value(spec.formId, form, c),
          back,
          done: spec.done(form, c),
          render: spec.render(form, c),
          work: (actor) => spec.work(actor, form, c),
        });
      });
    },
    page(ui, path, render, changes = {}) {
      ui.get(path, async (c) => render(c, await state(c)));
      for (const [to, change] of Object.entries(changes)) {
        kit.post(ui, to, { ...change, back: path, render: () => render });
      }
    },
    async orRefused(c, s, title, show) {
      try {
        return await show();
      } catch (error) {
        const message = describeError(error);
        if (message === undefined) throw error;
        c.status(403);
        return c.html(<ComingPage state={s} title={title} path={c.req.path} text={message} />);
      }
    },
  };
  return kit;
}
