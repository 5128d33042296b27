/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  type AdminActor,
  EntitlementError,
  type GroupRow,
  type PrincipalStatus,
  type SegmentRow,
} from "@pea/policy-store";
import type { JSX } from "hono/jsx/jsx-runtime";
import { ComingPage } from "../components.js";
import { renderGroups } from "../groups/routes.js";
import {
  type Form,
  idOf,
  listsFor,
  one,
  parseRef,
  type Render,
  type UiApp,
  type UiContext,
  type UiKit,
} from "../kit.js";
import type { PageState } from "../layout.js";
import { AgentPage } from "./agent-page.js";
import { PeoplePage } from "./pages.js";
import { UserPage } from "./user-page.js";

const userPath = (id: string) => `/people/users/${encodeURIComponent(id)}`;
const agentPath = (id: string) => `/people/agents/${encodeURIComponent(id)}`;

const noSuch = (c: UiContext, s: PageState, what: string, id: string) => {
  c.status(404);
  return c.html(<ComingPage state={s} title={`No such ${what}`} path="/people" text={`There is no ${what} ${id}.`} />);
};

/** People & agents: the lists, a user's and an agent's page, and their memberships. */
export function peopleRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const ov = kit.deps.oversight;

  const renderPeople: Render = async (c, s) => {
    const actor = c.get("actor");
    const [users, agents] = await Promise.all([ent.listUsers(actor), ent.listAgents(actor)]);
    const revokedAgents = await ov.revokedAmong(
      actor,
      "Agent",
      agents.map((a) => a.id),
    );
    return c.html(
      <PeoplePage state={s} users={users} agents={agents} revokedAgents={revokedAgents} q={c.req.query("q")} />,
    );
  };
  /**
   * A user's or an agent's page: what `load` finds for the id (undefined: there is none, a 404
   * page), drawn by `draw` with the groups and segments its memberships may be granted in.
   */
  const principalPage =
    <V,>(
      what: string,
      load: (c: UiContext, id: string) => Promise<V | undefined>,
      draw: (s: PageState, view: V, choices: { groups: GroupRow[]; segments: SegmentRow[] }) => JSX.Element,
    ) =>
    (id: string): Render =>
    async (c, s) => {
      const [view, choices] = await Promise.all([
        load(c, id),
        listsFor(c, { groups: ent.listGroups, segments: ent.listSegments }),
      ]);
      return view === undefined ? noSuch(c, s, what, id) : c.html(draw(s, view, choices));
    };
  const renderUser = principalPage(
    "user",
    async (c, id) => {
      const { users, agents, keys } = await listsFor(c, {
        users: ent.listUsers,
        agents: ent.listAgents,
        keys: ent.listApiKeys,
      });
      const user = users.find((u) => u.id === id);
      if (!user) return undefined;
      const activity = await ov.personActivity(c.get("actor"), id);
      return {
        user,
        agents: agents.filter((a) => a.owner === id),
        keys: keys.filter((k) => k.userId === id),
        activity,
      };
    },
    (s, view, choices) => <UserPage state={s} {...view} {...choices} />,
  );
  const renderAgent = principalPage(
    "agent",
    async (c, id) => {
      const actor = c.get("actor");
      const { agents, intents, runs } = await listsFor(c, {
        agents: ent.listAgents,
        intents: ent.listIntents,
        runs: (a) => ov.listRuns(a, { agent: id }),
      });
      const agent = agents.find((a) => a.id === id);
      if (!agent) return undefined;
      const [revokedAgent, grants, revokedIntents] = await Promise.all([
        ov.revokedAmong(actor, "Agent", [id]),
        ov.revokedAmong(
          actor,
          "Grant",
          agent.intents.map((i) => `${id}/${i}`),
        ),
        ov.revokedAmong(actor, "Intent", agent.intents),
      ]);
      const revoked = {
        agent: revokedAgent.get(id),
        grants: new Map([...grants].map(([grant, r]) => [grant.slice(id.length + 1), r])),
        intents: revokedIntents,
      };
      return { agent, intents, runs: runs.filter((r) => r.principal === `Agent::${id}`).slice(0, 50), revoked };
    },
    (s, view, choices) => <AgentPage state={s} {...view} {...choices} />,
  );

  /** Suspend, revoke or reactivate a user or an agent; anything but reactivating asks first. */
  const statusChange = (
    path: string,
    pathOf: (id: string) => string,
    render: (id: string) => Render,
    warning: (id: string) => string,
    work: (a: AdminActor, id: string, status: PrincipalStatus) => Promise<unknown>,
  ) => {
    const status = (form: Form) => one(form, "status") as PrincipalStatus;
    kit.post(ui, path, {
      formId: "status",
      back: (_f, c) => pathOf(idOf(c)),
      confirm: (f, c) =>
        status(f) === "active" ? undefined : { title: `Suspend ${idOf(c)}?`, text: warning(idOf(c)) },
      done: (f, c) => `${idOf(c)} is now ${status(f)}.`,
      render: (_f, c) => render(idOf(c)),
      work: (a, f, c) => work(a, idOf(c), status(f)),
    });
  };

  kit.page(ui, "/people", renderPeople, {
    "/people/users": {
      formId: "new-user",
      done: (f) => `User ${one(f, "id")} created.`,
      work: (a, f) =>
        ent.createUser(a, {
          id: one(f, "id"),
          displayName: one(f, "displayName"),
          email: one(f, "email") || undefined,
        }),
    },
    "/people/agents": {
      formId: "new-agent",
      done: (f) => `Agent ${one(f, "id")} registered.`,
      work: (a, f) =>
        ent.createAgent(a, { id: one(f, "id"), owner: one(f, "owner"), description: one(f, "description") }),
    },
  });

  ui.get("/people/users/:id", async (c) => renderUser(c.req.param("id"))(c, await kit.state(c)));
  statusChange(
    "/people/users/:id/status",
    userPath,
    renderUser,
    (id) => `Every decision for ${id} and their agents is denied at once.`,
    (a, id, status) => ent.updateUser(a, id, { status }),
  );
  kit.post(ui, "/people/users/:id/password", {
    formId: "password",
    keepValues: false,
    back: (_f, c) => userPath(idOf(c)),
    done: (_f, c) =>
      `Password reset for ${idOf(c)} filed: a second administrator approves it under API keys → Credential requests; ${idOf(c)} must change it at first sign-in.`,
    render: (_f, c) => renderUser(idOf(c)),
    work: (a, f, c) => ent.setUserPassword(a, idOf(c), one(f, "password")),
  });

  ui.get("/people/agents/:id", async (c) => renderAgent(c.req.param("id"))(c, await kit.state(c)));
  statusChange(
    "/people/agents/:id/status",
    agentPath,
    renderAgent,
    (id) => `The next decision for ${id} anywhere is denied.`,
    (a, id, status) => ent.updateAgent(a, id, { status }),
  );
  kit.post(ui, "/people/agents/:id/intents", {
    formId: "intent",
    back: (_f, c) => agentPath(idOf(c)),
    done: (f, c) => `${idOf(c)} now holds ${one(f, "intent")}.`,
    render: (_f, c) => renderAgent(idOf(c)),
    work: (a, f, c) => ent.grantAgentIntent(a, idOf(c), one(f, "intent")),
  });
  kit.post(ui, "/people/agents/:id/intents/revoke", {
    formId: "intent",
    back: (_f, c) => agentPath(idOf(c)),
    confirm: (f, c) => ({ title: "Take the intent away?", text: `${idOf(c)} loses ${one(f, "intent")} at once.` }),
    done: (f, c) => `${one(f, "intent")} taken away from ${idOf(c)}.`,
    render: (_f, c) => renderAgent(idOf(c)),
    work: (a, f, c) => ent.revokeAgentIntent(a, idOf(c), one(f, "intent")),
  });

  // ---- memberships: granted and revoked from a user's, an agent's or the groups page ----------
  const member = (form: Form) => ({ type: one(form, "memberType"), id: one(form, "memberId") });
  const memberText = (form: Form) => `${one(form, "memberType")}::${one(form, "memberId")}`;
  const memberPage = (form: Form) => {
    const { type, id } = member(form);
    if (type === "User") return { back: userPath(id), render: renderUser(id) };
    if (type === "Agent") return { back: agentPath(id), render: renderAgent(id) };
    return { back: "/groups", render: renderGroups(kit) };
  };
  const parentOf = (form: Form) => {
    const parent = parseRef(one(form, "parent"));
    if (!parent) throw new EntitlementError("invalid_request", "choose a group or segment");
    return parent;
  };
  kit.post(ui, "/memberships/grant", {
    formId: "grant",
    back: (f) => memberPage(f).back,
    done: (f) => `${memberText(f)} added to ${one(f, "parent")}.`,
    render: (f) => memberPage(f).render,
    work: (a, f) => ent.grantMembership(a, member(f), parentOf(f)),
  });
  kit.post(ui, "/memberships/revoke", {
    formId: "grant",
    back: (f) => memberPage(f).back,
    confirm: (f) => ({ title: "Remove membership?", text: `Remove ${memberText(f)} from ${one(f, "parent")}?` }),
    done: (f) => `${memberText(f)} removed from ${one(f, "parent")}.`,
    render: (f) => memberPage(f).render,
    work: (a, f) => ent.revokeMembership(a, member(f), parentOf(f)),
  });
}
