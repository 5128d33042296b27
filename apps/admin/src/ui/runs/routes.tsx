/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { ComingPage } from "../components.js";
import { describeError, idOf, one, type Render, type UiApp, type UiKit } from "../kit.js";
import { RunPage, RunsPage, runStatuses } from "./pages.js";

const done = { pause: "paused", resume: "resumed", cancel: "cancelled" } as const;

export function runRoutes(ui: UiApp, kit: UiKit): void {
  const ov = kit.deps.oversight;
  const renderRuns: Render = async (c, s) => {
    const status = c.req.query("status") ?? "all";
    const runs = await ov.listRuns(c.get("actor"), {
      status: status !== "all" && runStatuses.includes(status) ? (status as "active") : undefined,
    });
    return c.html(<RunsPage state={s} runs={runs} status={status} q={c.req.query("q")} />);
  };
  const renderRun =
    (id: string): Render =>
    async (c, s) => {
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
  ui.get("/runs", async (c) => renderRuns(c, await kit.state(c)));
  ui.get("/runs/:id", async (c) => renderRun(c.req.param("id"))(c, await kit.state(c)));
  for (const action of ["pause", "resume", "cancel"] as const) {
    kit.post(ui, `/runs/:id/${action}`, {
      formId: "run",
      back: (_f, c) => `/runs/${encodeURIComponent(idOf(c))}`,
      confirm: () =>
        action === "cancel"
          ? { title: "Cancel the run?", text: "It cannot be resumed; its next decision is denied." }
          : undefined,
      done: (_f, c) => `Run ${idOf(c)}: ${done[action]}.`,
      render: (_f, c) => renderRun(idOf(c)),
      work: (a, f, c) => ov.superviseRun(a, idOf(c), action, one(f, "reason") || undefined),
    });
  }
}
