import { PeaError } from "@pea/schemas";
import { identify, SESSION_COOKIE } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { agentRoutes } from "./agents.js";
import { groupRoutes } from "./groups.js";
import { intentRoutes } from "./intents.js";
import { keyRoutes } from "./keys.js";
import type { AdminApi } from "./kit.js";
import { oversightRoutes } from "./oversight.js";
import { resourceRoutes } from "./resources.js";
import { sessionRoutes } from "./session.js";
import { sodRoutes } from "./sod.js";
import { userRoutes } from "./users.js";

/** The admin JSON API under /api/v1: one module per resource, all behind the same sign-in. */
export function apiRoutes(app: AdminApi, deps: AppDeps): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
  });

  // Everything under /api/v1 except signing in needs an identity.
  app.use("/api/v1/*", async (c, next) => {
    if (c.req.path === "/api/v1/session" && c.req.method === "POST") return next();
    const who = await identify(c, deps);
    if (!who.ok) throw new PeaError(who.status === 401 ? "unauthorized" : "forbidden", who.message);
    c.set("actor", who.actor);
    c.set("session", who.session);
    await next();
  });

  sessionRoutes(app, deps);
  userRoutes(app, deps);
  agentRoutes(app, deps);
  groupRoutes(app, deps);
  intentRoutes(app, deps);
  resourceRoutes(app, deps);
  keyRoutes(app, deps);
  sodRoutes(app, deps);
  oversightRoutes(app, deps);
}
