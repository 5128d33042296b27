/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { readFile } from "node:fs/promises";
import { type InputLimits, inputLimits } from "@pea/http-kit";
import { refusalOf } from "@pea/policy-store";
import { Hono } from "hono";
import type { AdminEnv } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { approvalRoutes } from "./approvals/routes.js";
import { auditRoutes } from "./audit/routes.js";
import { ComingPage } from "./components.js";
import { groupRoutes } from "./groups/routes.js";
import { intentRoutes } from "./intents/routes.js";
import { keyRoutes } from "./keys/routes.js";
import { createUiKit, describeError } from "./kit.js";
import { overviewRoutes } from "./overview/routes.js";
import { peopleRoutes } from "./people/routes.js";
import { policyRoutes } from "./policies/routes.js";
import { resourceRoutes } from "./resources/routes.js";
import { revocationRoutes } from "./revocations/routes.js";
import { runRoutes } from "./runs/routes.js";
import { signInRoutes } from "./session/routes.js";
import { sodRoutes } from "./sod/routes.js";

const assetsDir = new URL("./assets/", import.meta.url);
const assets: Record<string, string> = {
  "app.css": "text/css; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
};

/** The web UI: server-rendered pages, one folder per area (routes.tsx + pages.tsx). */
export function uiRoutes(deps: AppDeps, limits: Omit<InputLimits, "refuse">): Hono<AdminEnv> {
  const ui = new Hono<AdminEnv>();
  const kit = createUiKit(deps);

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

  ui.use("*", inputLimits({ ...limits, refuse: (c, status, message) => c.text(message, status) }));

  ui.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = assets[name];
    if (!type) return c.text("not found", 404);
    c.header("content-type", type);
    c.header("cache-control", "no-cache");
    return c.body(await readFile(new URL(name, assetsDir)));
  });

  signInRoutes(ui, deps);

  // A refusal that reaches here (e.g. a person without any admin role opening a page) is a page
  // saying so, never a 500.
  ui.onError(async (error, c) => {
    const refusal = refusalOf(error);
    if (!refusal || !c.get("actor")) {
      deps.logger.error({ err: error, path: c.req.path }, "admin UI error");
      return c.text("internal error", 500);
    }
    const s = await kit.state(c);
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

  overviewRoutes(ui, kit);
  peopleRoutes(ui, kit);
  groupRoutes(ui, kit);
  intentRoutes(ui, kit);
  resourceRoutes(ui, kit);
  keyRoutes(ui, kit);
  sodRoutes(ui, kit);
  approvalRoutes(ui, kit);
  runRoutes(ui, kit);
  revocationRoutes(ui, kit);
  auditRoutes(ui, kit);
  policyRoutes(ui, kit);
  return ui;
}
