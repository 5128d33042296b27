// The HTTP floor for bench:vs-cerbos: a bare Hono app on the same Node server adapter as the PDP
// that parses the JSON body and answers a small JSON decision. Nothing else.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const port = Number(process.argv[2] ?? "0");
const app = new Hono();
app.get("/readyz", (c) => c.json({ ready: true }));
app.post("/v1/authorize", async (c) => {
  const body = (await c.req.json()) as { action?: unknown };
  return c.json({ decision: body.action === "dataset:read" ? "allow" : "deny", reasons: [] });
});
serve({ fetch: app.fetch, hostname: "127.0.0.1", port });
