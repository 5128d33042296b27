// What the MCP gateway adds to a tools/call: the same call (read_dataset, allowed) made by a real
// MCP client to the demo bank's tool server directly, and through the gateway (bearer read, one PEA
// decision over HTTP, forward with the artifact, outcome reported after the answer). Each piece
// runs in its own process on loopback: PDP, tool server, gateway; the clients run here.
// p50/p99 at 1 and at 20 calls in flight. Also the PDP's decision alone and with the outcome report
// the gateway sends after each call, for the breakdown.
//   npm run bench:gateway            (PGlite)   DATABASE_URL=postgres://… npm run bench:gateway
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPeaClient } from "@pea/client";
import { demoKeys, freePort, startPdpProcess, stopChild, waitReady } from "./pdp-process.js";
import { fmt, timeInFlight } from "./stats.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 200;

function startApp(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--conditions=pea-source", "--no-turbo-inlining", "--import", "tsx", entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", PEA_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1" });
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : {}));
  return client;
}

/** Latencies (ms) of CALLS calls made `inFlight` at a time, after a warm-up. */
const latencies = (call: () => Promise<unknown>, inFlight: number) =>
  timeInFlight(call, { warmup: WARMUP, total: CALLS, inFlight });

const adminKey = `pea_bench${randomBytes(4).toString("hex")}.${randomBytes(24).toString("base64url")}`;
const dataDir = await mkdtemp(join(tmpdir(), "pea-bench-gateway-"));
const pdp = await startPdpProcess(adminKey, { databaseUrl: process.env.DATABASE_URL, dataDir });
const children: ChildProcess[] = [];
try {
  // The demo's keys (each user's, a gateway's), made by the CLI in the store the PDP serves.
  const keys = demoKeys(pdp);
  const [aliceKey, gatewayKey] = [keys.get("alice"), keys.get("gateway")];
  if (!aliceKey || !gatewayKey) throw new Error("keys demo made no key for alice or the gateway");
  const alice = createPeaClient({ url: pdp.url, apiKey: aliceKey });
  const agentRun = {
    principal: { type: "Agent", id: "research-assistant" },
    chain: [{ type: "User", id: "alice" }],
    intent: "market-research-report",
  };
  let run: Awaited<ReturnType<typeof alice.startRun>> | undefined;
  for (let tries = 0; !run; tries++) {
    // the PDP learns of new keys within a moment
    run = await alice.startRun(agentRun).catch((e) => (tries > 50 ? Promise.reject(e) : undefined));
    if (!run) await new Promise((r) => setTimeout(r, 100));
  }

  const toolsPort = await freePort();
  children.push(
    startApp("apps/demo-tools/src/main.ts", {
      PEA_DEMO_TOOLS_TRANSPORT: "http",
      PEA_DEMO_TOOLS_PORT: String(toolsPort),
    }),
  );
  const upstreamUrl = `http://127.0.0.1:${toolsPort}/mcp`;
  const demo = (await import("../../apps/mcp-gateway/demo-bank.json", { with: { type: "json" } })).default;
  const toolsFile = join(dataDir, "tools.json");
  await writeFile(toolsFile, JSON.stringify({ ...demo, upstreams: { bank: { transport: "http", url: upstreamUrl } } }));
  for (
    let waited = 0;
    !(await fetch(upstreamUrl, { method: "GET" }).then(
      () => true,
      () => false,
    ));
    waited += 100
  ) {
    if (waited > 120_000) throw new Error("the demo tool server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const gatewayPort = await freePort();
  const gateway = startApp("apps/mcp-gateway/src/main.ts", {
    PEA_MCP_PORT: String(gatewayPort),
    PEA_MCP_TOOLS: toolsFile,
    PEA_MCP_PDP_URL: pdp.url,
    PEA_MCP_API_KEY: gatewayKey,
  });
  children.push(gateway);
  await waitReady(`http://127.0.0.1:${gatewayPort}/healthz`, gateway, "the gateway");
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;

  const call = { name: "read_dataset", arguments: { id: "market-data" } };
  const decision = {
    ...agentRun,
    run: run.id,
    action: "dataset:read",
    resource: { type: "Dataset", id: "market-data" },
  };
  const gatewayClient = createPeaClient({ url: pdp.url, apiKey: gatewayKey });
  const rows: string[] = [];
  for (const inFlight of [1, 20]) {
    const direct = await Promise.all(Array.from({ length: inFlight }, () => connect(upstreamUrl)));
    const via = await Promise.all(Array.from({ length: inFlight }, () => connect(gatewayUrl, run.token)));
    const first = await via[0]?.callTool(call);
    if (first?.isError) throw new Error(`the gateway refused the bench call: ${JSON.stringify(first.content)}`);
    let d = 0;
    let v = 0;
    let refused = 0;
    const upstream = await latencies(() => (direct[d++ % inFlight] as Client).callTool(call), inFlight);
    const gated = await latencies(async () => {
      if ((await (via[v++ % inFlight] as Client).callTool(call)).isError) refused++;
    }, inFlight);
    const decide = await latencies(
      () => gatewayClient.authorize({ ...decision, delegation: { token: run.token as string } }),
      inFlight,
    );
    // what PEA does per gated call: the decision, then the outcome report the gateway sends after it
    const decideAndReport = await latencies(async () => {
      const allowed = await gatewayClient.authorize({ ...decision, delegation: { token: run.token as string } });
      if (allowed.decisionId) await gatewayClient.reportOutcome(allowed.decisionId, "executed");
    }, inFlight);
    await Promise.all([...direct, ...via].map((c) => c.close()));
    const ms = (n: number) => fmt(n, 2);
    rows.push(
      `c=${String(inFlight).padEnd(3)} upstream direct p50 ${ms(upstream.p50)} p99 ${ms(upstream.p99)} ms (${fmt(upstream.rate)}/s) | ` +
        `via gateway p50 ${ms(gated.p50)} p99 ${ms(gated.p99)} ms (${fmt(gated.rate)}/s) | ` +
        `added p50 ${ms(gated.p50 - upstream.p50)} p99 ${ms(gated.p99 - upstream.p99)} ms, ${refused} refused | ` +
        `PEA decision alone p50 ${ms(decide.p50)} p99 ${ms(decide.p99)} ms, ` +
        `with its outcome report p50 ${ms(decideAndReport.p50)} p99 ${ms(decideAndReport.p99)} ms`,
    );
  }
  console.log(
    `MCP gateway overhead per tools/call (${process.env.DATABASE_URL ? "Postgres" : "PGlite"}, ${CALLS} calls each, loopback)`,
  );
  for (const row of rows) console.log(row);
} finally {
  await Promise.all(children.map(stopChild));
  await pdp.close();
}
