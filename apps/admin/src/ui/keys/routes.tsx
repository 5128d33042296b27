/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AdminKeyKind } from "@pea/policy-store";
import type { ApiKeyScope } from "@pea/schemas";
import {
  describeError,
  formOf,
  idOf,
  listsFor,
  many,
  one,
  refusalStatus,
  type UiApp,
  type UiContext,
  type UiKit,
  valuesOf,
} from "../kit.js";
import type { PageState } from "../layout.js";
import { KeysPage } from "./pages.js";

export function keyRoutes(ui: UiApp, kit: UiKit): void {
  const ent = kit.deps.entitlements;
  const render = async (c: UiContext, s: PageState, created?: string) => {
    const lists = await listsFor(c, {
      keys: ent.listApiKeys,
      requests: ent.listCredentialRequests,
      users: ent.listUsers,
      agents: ent.listAgents,
      groups: ent.listGroups,
    });
    return c.html(<KeysPage state={s} {...lists} created={created} />);
  };
  /** Show a key in this answer only: never put in a cookie or a redirect. */
  const showOnce = async (
    c: UiContext,
    work: () => Promise<{ id: string; key: string } | { status: "pending"; requestId: string }>,
    formId: string,
    form: Record<string, string | string[]>,
  ) => {
    try {
      const result = await work();
      if ("requestId" in result) {
        return kit.flashAndGo(
          c,
          "/keys",
          `Key request ${result.requestId} filed: a second administrator approves it, then you collect the key here.`,
        );
      }
      return render(c, await kit.state(c, { flash: { kind: "ok", text: `Key ${result.id} created.` } }), result.key);
    } catch (error) {
      const message = describeError(error);
      if (message === undefined) throw error;
      c.status(refusalStatus(error));
      return render(c, await kit.state(c, { errors: { [formId]: message }, values: valuesOf(form) }));
    }
  };
  ui.post("/keys", async (c) => {
    const form = await formOf(c);
    const kind = (one(form, "kind") || "user") as AdminKeyKind;
    const userId = one(form, "userId");
    return showOnce(
      c,
      () =>
        ent.createApiKey(c.get("actor"), {
          name: one(form, "name"),
          kind,
          userId: kind === "user" ? userId || undefined : undefined,
          agents: kind === "service" ? many(form, "agents") : undefined,
          agentGroups: kind === "service" ? many(form, "agentGroups") : undefined,
          scopes: many(form, "scopes") as ApiKeyScope[],
        }),
      "key",
      form,
    );
  });
  ui.post("/keys/requests/:id/collect", async (c) =>
    showOnce(c, () => ent.collectApiKey(c.get("actor"), idOf(c)), "requests", {}),
  );
  kit.page(ui, "/keys", (c, s) => render(c, s), {
    "/keys/requests/:id/approve": {
      formId: "requests",
      done: (_f, c) => `Request ${idOf(c)} approved.`,
      work: (a, _f, c) => ent.approveCredentialRequest(a, idOf(c)),
    },
    "/keys/requests/:id/reject": {
      formId: "requests",
      confirm: (_f, c) => ({ title: "Refuse request?", text: `Request ${idOf(c)} will not be granted.` }),
      done: (_f, c) => `Request ${idOf(c)} refused.`,
      work: (a, _f, c) => ent.rejectCredentialRequest(a, idOf(c)),
    },
    "/keys/:id/revoke": {
      formId: "key",
      confirm: (_f, c) => ({ title: "Revoke key?", text: `Every PDP stops accepting key ${idOf(c)} at once.` }),
      done: (_f, c) => `Key ${idOf(c)} revoked.`,
      work: (a, _f, c) => ent.revokeApiKey(a, idOf(c)),
    },
  });
}
