/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { readFile } from "node:fs/promises";
import {
  type AdminActor,
  AdminDeniedError,
  adminActions,
  EntitlementError,
  refusalOf,
  signInWithApiKey,
  signInWithPassword,
  signOut,
} from "@pea/policy-store";
import type { ApiKeyScope } from "@pea/schemas";
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AdminDeps } from "../app.js";
import { type AdminEnv, clearSessionCookie, crossSite, identify, SESSION_COOKIE, setSessionCookie } from "../auth.js";
import type { PageState } from "./layout.js";
import { ApprovalsPage, AuditPage, PoliciesPage, RunPage, RunsPage, SodPage } from "./oversight-pages.js";
import {
  AgentPage,
  ComingPage,
  ConfirmPage,
  GroupsPage,
  IntentsPage,
  KeysPage,
  LoginPage,
  PeoplePage,
  ResourcesPage,
  UserPage,
} from "./pages.js";

const FLASH_COOKIE = "pea_admin_flash";
const assetsDir = new URL("./assets/", import.meta.url);
const assets: Record<string, string> = {
  "app.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
};

type Form = Record<string, string | string[]>;
const one = (form: Form, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
};
const many = (form: Form, name: string): string[] => {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/** "Group::payments-approvers" → { type, id } */
const parseRef = (text: string) => {
  const at = text.indexOf("::");
  return at > 0 ? { type: text.slice(0, at), id: text.slice(at + 2) } : undefined;
};
/** Only same-site relative paths are followed after a change or sign-in. */
const safePath = (path: string, fallback: string) => (/^\/(?!\/)[\w\-./%:@]*$/.test(path) ? path : fallback);

/** What a refusal says to the person: the rule that refused it, in words. */
export function describeError(error: unknown): string | undefined {
  const refusal = refusalOf(error);
  if (!refusal) return undefined;
  return error instanceof AdminDeniedError ? `Refused: ${refusal.message}` : refusal.message;
}

export function uiRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const ui = new Hono<AdminEnv>();
  const ent = deps.entitlements;

  // Security headers for every page: no framing, no inline script, no third parties.
  ui.use("*", async (c, next) => {
    await next();
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "same-origin");
    if (c.res.headers.get("content-type")?.startsWith("text/html")) c.header("Cache-Control", "no-store");
  });

  ui.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = assets[name];
    if (!type) return c.text("not found", 404);
    c.header("content-type", type);
    c.header("cache-control", "no-cache");
    return c.body(await readFile(new URL(name, assetsDir)));
  });

  ui.get("/login", (c) => c.html(<LoginPage next={safePath(c.req.query("next") ?? "/people", "/people")} />));
  ui.post("/login", async (c) => {
    if (crossSite(c)) return c.text("cross-site request refused", 403);
    const form = (await c.req.parseBody({ all: true })) as Form;
    const next = safePath(one(form, "next"), "/people");
    const apiKey = one(form, "apiKey");
    const user = one(form, "user");
    const session = apiKey
      ? await signInWithApiKey(deps.database, deps.keys, apiKey)
      : await signInWithPassword(deps.database, user, one(form, "password"));
    if (!session) {
      c.status(401);
      return c.html(
        <LoginPage error="Wrong user, password or key, or the user is not active." user={user} next={next} />,
      );
    }
    setSessionCookie(c, session.token, session.expiresAt, deps.secureCookies);
    return c.redirect(next, 303);
  });

  // Everything else needs a session; changes need its CSRF token.
  ui.use("*", async (c, next) => {
    let formToken: string | undefined;
    if (c.req.method === "POST") {
      const form = (await c.req.parseBody({ all: true })) as Form;
      formToken = one(form, "_csrf");
    }
    const who = await identify(c, deps, formToken);
    if (!who.ok) {
      if (who.status === 401) {
        const target = c.req.method === "GET" ? c.req.path : "/people";
        return c.redirect(`/login?next=${encodeURIComponent(target)}`, 303);
      }
      return c.text(who.message, 403);
    }
    c.set("actor", who.actor);
    c.set("session", who.session);
    await next();
  });

  const state = async (c: Context<AdminEnv>, extra: Partial<PageState> = {}): Promise<PageState> => {
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
      features: deps.features,
      ...extra,
    };
  };
  const flashAndGo = (c: Context<AdminEnv>, path: string, text: string, kind: "ok" | "error" = "ok") => {
    setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify({ kind, text })), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: 60,
      secure: deps.secureCookies,
    });
    return c.redirect(path, 303);
  };
  const formOf = async (c: Context<AdminEnv>) => (await c.req.parseBody({ all: true })) as Form;
  const valuesOf = (form: Form) =>
    Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v.join("\n") : String(v)]));

  /**
   * Run a change; on success go back with a message, on a refusal or invalid input re-render the
   * page with the error inline next to the form that caused it (status 4xx).
   */
  const attempt = async (
    c: Context<AdminEnv>,
    opts: {
      form: Form;
      formId: string;
      back: string;
      done: string;
      work: (actor: AdminActor) => Promise<unknown>;
      render: (c: Context<AdminEnv>, s: PageState) => Promise<Response>;
    },
  ) => {
    try {
      await opts.work(c.get("actor"));
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      const status = error instanceof AdminDeniedError ? 403 : 422;
      c.status(status);
      const s = await state(c, {
        errors: { [opts.formId]: message },
        values: valuesOf(opts.form),
      });
      return opts.render(c, s);
    }
    return flashAndGo(c, opts.back, opts.done);
  };
  /** Destructive changes need confirm=yes (set by the dialog, or by the no-script confirm page). */
  const confirmed = async (
    c: Context<AdminEnv>,
    form: Form,
    title: string,
    text: string,
    back: string,
  ): Promise<Response | undefined> => {
    if (one(form, "confirm") === "yes") return undefined;
    const fields = Object.fromEntries(Object.entries(valuesOf(form)).filter(([k]) => k !== "_csrf" && k !== "confirm"));
    return c.html(
      <ConfirmPage state={await state(c)} title={title} text={text} action={c.req.path} fields={fields} back={back} />,
    );
  };

  ui.post("/logout", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await signOut(deps.database, token);
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  });

  ui.get("/", (c) => c.redirect("/people", 303));

  // A refusal that reaches here (e.g. a person without any admin role opening a page) is a page
  // saying so, never a 500.
  ui.onError(async (error, c) => {
    const refusal = refusalOf(error);
    if (!refusal || !c.get("actor")) {
      deps.logger.error({ err: error, path: c.req.path }, "admin UI error");
      return c.text("internal error", 500);
    }
    const s = await state(c);
    c.status(refusal.status);
    return c.html(
      <ComingPage
        state={s}
        title={refusal.status === 403 ? "Not allowed" : "Cannot show this"}
        path={c.req.path}
        text={describeError(error) ?? refusal.message}
      />,
    );
  });

  // ---- people ----------------------------------------------------------------------------------
  const renderPeople = async (c: Context<AdminEnv>, s: PageState) => {
    const actor = c.get("actor");
    const [users, agents] = await Promise.all([ent.listUsers(actor), ent.listAgents(actor)]);
    return c.html(<PeoplePage state={s} users={users} agents={agents} q={c.req.query("q")} />);
  };
  ui.get("/people", async (c) => renderPeople(c, await state(c)));
  ui.post("/people/users", async (c) => {
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "new-user",
      back: "/people",
      done: `User ${one(form, "id")} created.`,
      render: renderPeople,
      work: (a) =>
        ent.createUser(a, {
          id: one(form, "id"),
          displayName: one(form, "displayName"),
          email: one(form, "email") || undefined,
        }),
    });
  });
  ui.post("/people/agents", async (c) => {
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "new-agent",
      back: "/people",
      done: `Agent ${one(form, "id")} registered.`,
      render: renderPeople,
      work: (a) =>
        ent.createAgent(a, {
          id: one(form, "id"),
          owner: one(form, "owner"),
          description: one(form, "description"),
        }),
    });
  });

  const renderUser = (id: string) => async (c: Context<AdminEnv>, s: PageState) => {
    const actor = c.get("actor");
    const [users, agents, groups, segments, keys] = await Promise.all([
      ent.listUsers(actor),
      ent.listAgents(actor),
      ent.listGroups(actor),
      ent.listSegments(actor),
      ent.listApiKeys(actor),
    ]);
    const user = users.find((u) => u.id === id);
    if (!user) {
      c.status(404);
      return c.html(<ComingPage state={s} title="No such user" path="/people" text={`There is no user ${id}.`} />);
    }
    return c.html(
      <UserPage
        state={s}
        user={user}
        agents={agents.filter((a) => a.owner === id)}
        groups={groups}
        segments={segments}
        keys={keys.filter((k) => k.userId === id)}
      />,
    );
  };
  ui.get("/people/users/:id", async (c) => renderUser(c.req.param("id"))(c, await state(c)));
  ui.post("/people/users/:id/status", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const status = one(form, "status") as "active" | "suspended" | "revoked";
    const back = `/people/users/${encodeURIComponent(id)}`;
    if (status !== "active") {
      const ask = await confirmed(
        c,
        form,
        `Suspend ${id}?`,
        `Every decision for ${id} and their agents is denied at once.`,
        back,
      );
      if (ask) return ask;
    }
    return attempt(c, {
      form,
      formId: "status",
      back,
      done: `${id} is now ${status}.`,
      render: renderUser(id),
      work: (a) => ent.updateUser(a, id, { status }),
    });
  });

  ui.post("/people/users/:id/password", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return attempt(c, {
      form: {},
      formId: "password",
      back: `/people/users/${encodeURIComponent(id)}`,
      done: `Password of ${id} set; their sessions were ended.`,
      render: renderUser(id),
      work: (a) => ent.setUserPassword(a, id, one(form, "password")),
    });
  });

  const runsOf = async (agentId: string) => {
    if (!deps.features.has("runs")) return undefined;
    const rows = await deps.database.query<{ id: string; status: string; intent: string; created_at: unknown }>(
      "SELECT id, status, intent, created_at FROM runs WHERE principal->>'id' = $1 AND principal->>'type' = 'Agent' ORDER BY created_at DESC LIMIT 50",
      [agentId],
    );
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      intent: r.intent,
      createdAt: new Date(r.created_at as string).toISOString().slice(0, 19).replace("T", " "),
    }));
  };
  const renderAgent = (id: string) => async (c: Context<AdminEnv>, s: PageState) => {
    const actor = c.get("actor");
    const [agents, intents, groups, segments, runs] = await Promise.all([
      ent.listAgents(actor),
      ent.listIntents(actor),
      ent.listGroups(actor),
      ent.listSegments(actor),
      runsOf(id),
    ]);
    const agent = agents.find((a) => a.id === id);
    if (!agent) {
      c.status(404);
      return c.html(<ComingPage state={s} title="No such agent" path="/people" text={`There is no agent ${id}.`} />);
    }
    return c.html(
      <AgentPage state={s} agent={agent} intents={intents} groups={groups} segments={segments} runs={runs} />,
    );
  };
  ui.get("/people/agents/:id", async (c) => renderAgent(c.req.param("id"))(c, await state(c)));
  ui.post("/people/agents/:id/status", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const status = one(form, "status") as "active" | "suspended" | "revoked";
    const back = `/people/agents/${encodeURIComponent(id)}`;
    if (status !== "active") {
      const ask = await confirmed(c, form, `Suspend ${id}?`, `The next decision for ${id} anywhere is denied.`, back);
      if (ask) return ask;
    }
    return attempt(c, {
      form,
      formId: "status",
      back,
      done: `${id} is now ${status}.`,
      render: renderAgent(id),
      work: (a) => ent.updateAgent(a, id, { status }),
    });
  });
  ui.post("/people/agents/:id/intents", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "intent",
      back: `/people/agents/${encodeURIComponent(id)}`,
      done: `${id} now holds ${one(form, "intent")}.`,
      render: renderAgent(id),
      work: (a) => ent.grantAgentIntent(a, id, one(form, "intent")),
    });
  });
  ui.post("/people/agents/:id/intents/revoke", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const back = `/people/agents/${encodeURIComponent(id)}`;
    const ask = await confirmed(c, form, "Take the intent away?", `${id} loses ${one(form, "intent")} at once.`, back);
    if (ask) return ask;
    return attempt(c, {
      form,
      formId: "intent",
      back,
      done: `${one(form, "intent")} taken away from ${id}.`,
      render: renderAgent(id),
      work: (a) => ent.revokeAgentIntent(a, id, one(form, "intent")),
    });
  });

  // ---- memberships -----------------------------------------------------------------------------
  const memberPage = (form: Form) => {
    const type = one(form, "memberType");
    const id = one(form, "memberId");
    if (type === "User") return { back: `/people/users/${encodeURIComponent(id)}`, render: renderUser(id) };
    if (type === "Agent") return { back: `/people/agents/${encodeURIComponent(id)}`, render: renderAgent(id) };
    return { back: "/groups", render: renderGroups };
  };
  ui.post("/memberships/grant", async (c) => {
    const form = await formOf(c);
    const { back, render } = memberPage(form);
    const member = { type: one(form, "memberType"), id: one(form, "memberId") };
    const parent = parseRef(one(form, "parent"));
    return attempt(c, {
      form,
      formId: "grant",
      back,
      done: `${member.type}::${member.id} added to ${one(form, "parent")}.`,
      render,
      work: async (a) => {
        if (!parent) throw new EntitlementError("invalid_request", "choose a group or segment");
        await ent.grantMembership(a, member, parent);
      },
    });
  });
  ui.post("/memberships/revoke", async (c) => {
    const form = await formOf(c);
    const { back, render } = memberPage(form);
    const member = { type: one(form, "memberType"), id: one(form, "memberId") };
    const parent = parseRef(one(form, "parent"));
    const ask = await confirmed(
      c,
      form,
      "Remove membership?",
      `Remove ${member.type}::${member.id} from ${one(form, "parent")}?`,
      back,
    );
    if (ask) return ask;
    return attempt(c, {
      form,
      formId: "grant",
      back,
      done: `${member.type}::${member.id} removed from ${one(form, "parent")}.`,
      render,
      work: async (a) => {
        if (!parent) throw new EntitlementError("invalid_request", "choose a group or segment");
        await ent.revokeMembership(a, member, parent);
      },
    });
  });

  // ---- groups and segments ---------------------------------------------------------------------
  async function renderGroups(c: Context<AdminEnv>, s: PageState) {
    const actor = c.get("actor");
    const [groups, segments] = await Promise.all([ent.listGroups(actor), ent.listSegments(actor)]);
    return c.html(<GroupsPage state={s} groups={groups} segments={segments} q={c.req.query("q")} />);
  }
  ui.get("/groups", async (c) => renderGroups(c, await state(c)));
  ui.post("/groups", async (c) => {
    const form = await formOf(c);
    const segment = one(form, "kind") === "segment";
    const input = { id: one(form, "id"), description: one(form, "description") };
    return attempt(c, {
      form,
      formId: segment ? "new-segment" : "new-group",
      back: "/groups",
      done: `${segment ? "Segment" : "Group"} ${input.id} created.`,
      render: renderGroups,
      work: (a) => (segment ? ent.createSegment(a, input) : ent.createGroup(a, input)),
    });
  });

  // ---- intents ---------------------------------------------------------------------------------
  const schemaActions = () =>
    [...(deps.schema()?.actions.keys() ?? [])].filter((a) => !(adminActions as readonly string[]).includes(a));
  const renderIntents = async (c: Context<AdminEnv>, s: PageState) => {
    const intents = await ent.listIntents(c.get("actor"));
    return c.html(<IntentsPage state={s} intents={intents} actions={schemaActions()} q={c.req.query("q")} />);
  };
  const parseCapabilities = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line, i) => {
        const m = /^(\S+)\s+on\s+(\S+)$/.exec(line);
        if (!m) throw new EntitlementError("invalid_request", `line ${i + 1}: write “action on ResourceType”`);
        return { action: m[1] as string, resourceType: m[2] as string };
      });
  ui.get("/intents", async (c) => renderIntents(c, await state(c)));
  ui.post("/intents", async (c) => {
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "new-intent",
      back: "/intents",
      done: `Intent ${one(form, "id")} created.`,
      render: renderIntents,
      work: (a) =>
        ent.createIntent(a, {
          id: one(form, "id"),
          description: one(form, "description"),
          capabilities: parseCapabilities(one(form, "capabilities")),
        }),
    });
  });
  ui.post("/intents/:id", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: `intent-${id}`,
      back: "/intents",
      done: `Capability set of ${id} saved.`,
      render: renderIntents,
      work: (a) => ent.updateIntent(a, id, { capabilities: parseCapabilities(one(form, "capabilities")) }),
    });
  });

  // ---- resources -------------------------------------------------------------------------------
  const resourceTypes = () =>
    [...(deps.schema()?.entityTypes.entries() ?? [])]
      .filter(
        ([name, info]) =>
          info.source === "store" &&
          !["User", "Agent", "Group", "Segment", "Intent", "AdminTarget", "Issuer"].includes(name),
      )
      .map(([name]) => name);
  const renderResources = async (c: Context<AdminEnv>, s: PageState) => {
    const resources = await ent.listResources(c.get("actor"));
    return c.html(<ResourcesPage state={s} resources={resources} types={resourceTypes()} q={c.req.query("q")} />);
  };
  ui.get("/resources", async (c) => renderResources(c, await state(c)));
  ui.post("/resources", async (c) => {
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "resource",
      back: "/resources",
      done: `${one(form, "type")}::${one(form, "id")} saved.`,
      render: renderResources,
      work: async (a) => {
        let attributes: unknown;
        try {
          attributes = JSON.parse(one(form, "attributes") || "{}");
        } catch {
          throw new EntitlementError("invalid_request", "attributes: not valid JSON");
        }
        if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
          throw new EntitlementError("invalid_request", "attributes: must be a JSON object");
        }
        const segment = one(form, "segment");
        await ent.putResource(a, {
          type: one(form, "type"),
          id: one(form, "id"),
          attributes: attributes as Record<string, unknown>,
          parents: segment ? [{ type: "Segment", id: segment }] : [],
        });
      },
    });
  });

  // ---- API keys --------------------------------------------------------------------------------
  const renderKeys = async (c: Context<AdminEnv>, s: PageState, created?: string) => {
    const actor = c.get("actor");
    const [keys, users] = await Promise.all([ent.listApiKeys(actor), ent.listUsers(actor)]);
    return c.html(<KeysPage state={s} keys={keys} users={users} created={created} />);
  };
  ui.get("/keys", async (c) => renderKeys(c, await state(c)));
  ui.post("/keys", async (c) => {
    const form = await formOf(c);
    try {
      const created = await ent.createApiKey(c.get("actor"), {
        name: one(form, "name"),
        userId: one(form, "userId"),
        scopes: many(form, "scopes") as ApiKeyScope[],
      });
      // The key is shown in this answer only; never put in a cookie or a redirect.
      return renderKeys(c, await state(c, { flash: { kind: "ok", text: `Key ${created.id} created.` } }), created.key);
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(error instanceof AdminDeniedError ? 403 : 422);
      return renderKeys(c, await state(c, { errors: { key: message }, values: valuesOf(form) }));
    }
  });
  ui.post("/keys/:id/revoke", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const ask = await confirmed(c, form, "Revoke key?", `Every PDP stops accepting key ${id} at once.`, "/keys");
    if (ask) return ask;
    return attempt(c, {
      form,
      formId: "key",
      back: "/keys",
      done: `Key ${id} revoked.`,
      render: (cc, s) => renderKeys(cc, s),
      work: (a) => ent.revokeApiKey(a, id),
    });
  });

  // ---- SoD conflicts and wall crossings --------------------------------------------------------
  const ov = deps.oversight;
  const renderSod = async (c: Context<AdminEnv>, s: PageState) => {
    const actor = c.get("actor");
    const [conflicts, crossings, groups, users] = await Promise.all([
      ov.listSodConflicts(actor),
      ov.listWallCrossings(actor),
      ent.listGroups(actor),
      ent.listUsers(actor),
    ]);
    return c.html(
      <SodPage
        state={s}
        conflicts={conflicts}
        crossings={crossings}
        groups={groups.map((g) => g.id)}
        users={users.map((u) => u.id)}
      />,
    );
  };
  ui.get("/sod", async (c) => renderSod(c, await state(c)));
  ui.post("/sod/conflicts", async (c) => {
    const form = await formOf(c);
    return attempt(c, {
      form,
      formId: "sod",
      back: "/sod",
      done: `Group::${one(form, "a")} and Group::${one(form, "b")} now conflict.`,
      render: renderSod,
      work: (a) =>
        ov.declareSodConflict(a, { a: one(form, "a"), b: one(form, "b"), description: one(form, "description") }),
    });
  });
  ui.post("/sod/crossings", async (c) => {
    const form = await formOf(c);
    const minutes = Number(one(form, "minutes") || "60");
    return attempt(c, {
      form,
      formId: "crossing",
      back: "/sod",
      done: `${one(form, "user")} is over the wall for ${one(form, "issuer")} for ${minutes} minutes.`,
      render: renderSod,
      work: (a) =>
        ov.grantWallCrossing(a, {
          user: one(form, "user"),
          issuer: one(form, "issuer"),
          reason: one(form, "reason"),
          ttlSeconds: Math.round(minutes * 60),
        }),
    });
  });
  ui.post("/sod/crossings/:id/revoke", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const ask = await confirmed(c, form, "Revoke the wall crossing?", "The person's next decision is denied.", "/sod");
    if (ask) return ask;
    return attempt(c, {
      form,
      formId: "crossing",
      back: "/sod",
      done: "Wall crossing revoked.",
      render: renderSod,
      work: (a) => ov.revokeWallCrossing(a, id),
    });
  });

  // ---- approvals -------------------------------------------------------------------------------
  const approvalStatus = (c: Context<AdminEnv>) => {
    const s = c.req.query("status") ?? "pending";
    return ["pending", "approved", "rejected", "used", "expired", "all"].includes(s) ? s : "pending";
  };
  const renderApprovals = async (c: Context<AdminEnv>, s: PageState) => {
    const status = approvalStatus(c);
    const approvals = await ov.listApprovals(c.get("actor"), status === "all" ? undefined : (status as "pending"));
    return c.html(<ApprovalsPage state={s} approvals={approvals} status={status} />);
  };
  ui.get("/approvals", async (c) => renderApprovals(c, await state(c)));
  ui.post("/approvals/:id", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const vote = one(form, "vote") === "reject" ? "reject" : "approve";
    return attempt(c, {
      form,
      formId: `approval-${id}`,
      back: "/approvals",
      done: `Approval ${id}: ${vote === "approve" ? "approved" : "rejected"}.`,
      render: renderApprovals,
      work: (a) => ov.decideApproval(a, id, vote, one(form, "reason") || undefined),
    });
  });

  // ---- runs ------------------------------------------------------------------------------------
  const renderRuns = async (c: Context<AdminEnv>, s: PageState) => {
    const status = c.req.query("status") ?? "all";
    const runs = await ov.listRuns(c.get("actor"), {
      status: ["active", "paused", "cancelled", "completed"].includes(status) ? (status as "active") : undefined,
    });
    return c.html(<RunsPage state={s} runs={runs} status={status} q={c.req.query("q")} />);
  };
  ui.get("/runs", async (c) => renderRuns(c, await state(c)));
  const renderRun = (id: string) => async (c: Context<AdminEnv>, s: PageState) => {
    try {
      const { run, lineage } = await ov.runTimeline(c.get("actor"), id);
      return c.html(<RunPage state={s} id={id} run={run} lineage={lineage} />);
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(404);
      return c.html(<ComingPage state={s} title="No such run" path="/runs" text={message} />);
    }
  };
  ui.get("/runs/:id", async (c) => renderRun(c.req.param("id"))(c, await state(c)));
  for (const action of ["pause", "resume", "cancel"] as const) {
    ui.post(`/runs/:id/${action}`, async (c) => {
      const id = c.req.param("id");
      const form = await formOf(c);
      const back = `/runs/${encodeURIComponent(id)}`;
      if (action === "cancel") {
        const ask = await confirmed(
          c,
          form,
          "Cancel the run?",
          "It cannot be resumed; its next decision is denied.",
          back,
        );
        if (ask) return ask;
      }
      return attempt(c, {
        form,
        formId: "run",
        back,
        done: `Run ${id}: ${action === "pause" ? "paused" : action === "resume" ? "resumed" : "cancelled"}.`,
        render: renderRun(id),
        work: (a) => ov.superviseRun(a, id, action, one(form, "reason") || undefined),
      });
    });
  }

  // ---- audit and policies ----------------------------------------------------------------------
  ui.get("/audit", async (c) => {
    const s = await state(c);
    const q = c.req.query();
    const filters: Record<string, string> = {};
    for (const k of ["principal", "run", "decision", "reason", "kind"]) if (q[k]) filters[k] = q[k] as string;
    try {
      const page = await ov.searchAudit(c.get("actor"), {
        principal: filters.principal,
        run: filters.run,
        decision: filters.decision === "allow" || filters.decision === "deny" ? filters.decision : undefined,
        reason: filters.reason,
        kind: filters.kind === "decision" || filters.kind === "change" ? filters.kind : undefined,
        after: q.after && /^\d+$/.test(q.after) ? Number(q.after) : undefined,
        limit: 100,
      });
      return c.html(<AuditPage state={s} entries={page.entries} filters={filters} nextCursor={page.nextCursor} />);
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(403);
      return c.html(<ComingPage state={s} title="Audit" path="/audit" text={message} />);
    }
  });
  const loadedPolicies = () => {
    const inputs = deps.engine.inputs();
    if ("decision" in inputs) return [];
    return [...inputs.policies.policies.values()]
      .map((p) => ({ id: p.id, effect: p.effect, file: p.file, line: p.line, reason: p.reason }))
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  };
  ui.get("/policies", async (c) => {
    const s = await state(c);
    try {
      const { versions, activations, active } = await ov.policyVersions(c.get("actor"));
      return c.html(
        <PoliciesPage
          state={s}
          loadedVersion={deps.engine.policyVersion}
          active={active}
          versions={versions}
          activations={activations}
          loaded={loadedPolicies()}
        />,
      );
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(403);
      return c.html(<ComingPage state={s} title="Policies" path="/policies" text={message} />);
    }
  });

  return ui;
}
