// What the MCP gateway adds to a tools/call: the same call (read_dataset, allowed) made by a real
// MCP client to the demo bank's tool server directly, and through the gateway (bearer read, one PEA
// decision over HTTP, forward with the artifact, outcome reported after the answer). Each piece
// runs in its own process on loopback: PDP, tool server, gateway; the clients run here.
// p50/p99 at 1 and at 20 calls in flight. Also, for the breakdown: the same call through an MCP proxy
// of the same SDK parts that asks no one (mcp-passthrough.ts: what any MCP gateway of this design
// costs), and the PDP's decision alone and with the outcome report the gateway sends after each call.
//   npm run bench:gateway            (PGlite)   DATABASE_URL=postgres://… npm run bench:gateway
// BENCH_PROFILE=1: only gated calls at c=1, with --cpu-prof in the PDP, the gateway and the tool
// server; prints each process's CPU time per call and where the gateway's and the PDP's time went.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPeaClient } from "@pea/client";
import { cpuTimeOf, demoKeys, freePort, startPdpProcess, stopChild, waitReady } from "./pdp-process.js";
import { type CpuProfile, summariseProfile } from "./profile-summary.js";
import { fmt, timeInFlight } from "./stats.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 200;
const PROFILE = process.env.BENCH_PROFILE === "1";
const profileDir = PROFILE ? await mkdtemp(join(tmpdir(), "pea-bench-gateway-prof-")) : "";
const profileFlags = (name: string) => (PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, name)}`] : []);

function startApp(entry: string, env: Record<string, string>, name: string): ChildProcess {
  const flags = ["--conditions=pea-source", "--no-turbo-inlining", ...profileFlags(name), "--import", "tsx", entry];
  return spawn(process.execPath, flags, {
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

/** The processes whose CPU time each phase reads: name → pid (this one is "client"). */
const processes = new Map<string, number>([["client", process.pid]]);

/**
 * Latencies (ms) of CALLS calls made `inFlight` at a time, after a warm-up, and each process's CPU
 * time per call (µs).
 */
async function latencies(call: () => Promise<unknown>, inFlight: number) {
  await timeInFlight(call, { warmup: WARMUP, total: 0, inFlight });
  const before = await cpuTimes();
  const times = await timeInFlight(call, { warmup: 0, total: CALLS, inFlight });
  const after = await cpuTimes();
  const cpu = new Map([...after].map(([name, us]) => [name, (us - (before.get(name) ?? 0)) / CALLS]));
  return { ...times, cpu };
}

async function cpuTimes(): Promise<Map<string, number>> {
  const entries = await Promise.all([...processes].map(async ([name, pid]) => [name, await cpuTimeOf(pid)] as const));
  return new Map(entries);
}

/** "gateway 812, pdp 640, …" µs per call, and their sum. */
function cpuLine(cpu: Map<string, number>): string {
  const total = [...cpu.values()].reduce((a, b) => a + b, 0);
  return `${[...cpu].map(([name, us]) => `${name} ${fmt(us)}`).join(", ")}; all ${fmt(total)} µs`;
}

const adminKey = `pea_bench${randomBytes(4).toString("hex")}.${randomBytes(24).toString("base64url")}`;
const dataDir = await mkdtemp(join(tmpdir(), "pea-bench-gateway-"));
const pdp = await startPdpProcess(adminKey, {
  databaseUrl: process.env.DATABASE_URL,
  dataDir,
  nodeFlags: profileFlags("pdp"),
});
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
let profiled: { fromUs: number; toUs: number; calls: number; p50: number } | undefined;
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
  const tools = startApp(
    "apps/demo-tools/src/main.ts",
    { PEA_DEMO_TOOLS_TRANSPORT: "http", PEA_DEMO_TOOLS_PORT: String(toolsPort) },
    "tools",
  );
  children.push(tools);
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
  const gateway = startApp(
    "apps/mcp-gateway/src/main.ts",
    {
      PEA_MCP_PORT: String(gatewayPort),
      PEA_MCP_TOOLS: toolsFile,
      PEA_MCP_PDP_URL: pdp.url,
      PEA_MCP_API_KEY: gatewayKey,
    },
    "gateway",
  );
  children.push(gateway);
  const passthroughPort = await freePort();
  const passthrough = startApp(
    "bench/src/mcp-passthrough.ts",
    { BENCH_PASSTHROUGH_PORT: String(passthroughPort), BENCH_UPSTREAM_URL: upstreamUrl },
    "passthrough",
  );
  children.push(passthrough);
  processes
    .set("gateway", gateway.pid ?? 0)
    .set("passthrough", passthrough.pid ?? 0)
    .set("pdp", pdp.pid)
    .set("tools", tools.pid ?? 0);
  await waitReady(`http://127.0.0.1:${gatewayPort}/healthz`, gateway, "the gateway");
  await waitReady(`http://127.0.0.1:${passthroughPort}/healthz`, passthrough, "the pass-through proxy");
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  const passthroughUrl = `http://127.0.0.1:${passthroughPort}/mcp`;

  const call = { name: "read_dataset", arguments: { id: "market-data" } };
  const decision = {
    ...agentRun,
    run: run.id,
    action: "dataset:read",
    resource: { type: "Dataset", id: "market-data" },
  };
  const gatewayClient = createPeaClient({ url: pdp.url, apiKey: gatewayKey });
  const rows: string[] = [];
  if (PROFILE) {
    const client = await connect(gatewayUrl, run.token);
    const fromUs = nowUs();
    const gated = await latencies(() => client.callTool(call), 1);
    profiled = { fromUs, toUs: nowUs(), calls: WARMUP + CALLS, p50: gated.p50 };
    await client.close();
  }
  for (const inFlight of PROFILE ? [] : [1, 20]) {
    const direct = await Promise.all(Array.from({ length: inFlight }, () => connect(upstreamUrl)));
    const via = await Promise.all(Array.from({ length: inFlight }, () => connect(gatewayUrl, run.token)));
    const proxied = await Promise.all(Array.from({ length: inFlight }, () => connect(passthroughUrl)));
    const first = await via[0]?.callTool(call);
    if (first?.isError) throw new Error(`the gateway refused the bench call: ${JSON.stringify(first.content)}`);
    let d = 0;
    let p = 0;
    let v = 0;
    let refused = 0;
    const upstream = await latencies(() => (direct[d++ % inFlight] as Client).callTool(call), inFlight);
    const forwarded = await latencies(() => (proxied[p++ % inFlight] as Client).callTool(call), inFlight);
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
    await Promise.all([...direct, ...proxied, ...via].map((c) => c.close()));
    const ms = (n: number) => fmt(n, 2);
    rows.push(
      `c=${String(inFlight).padEnd(3)} upstream direct p50 ${ms(upstream.p50)} p99 ${ms(upstream.p99)} ms (${fmt(upstream.rate)}/s) | ` +
        `via gateway p50 ${ms(gated.p50)} p99 ${ms(gated.p99)} ms (${fmt(gated.rate)}/s) | ` +
        `added p50 ${ms(gated.p50 - upstream.p50)} p99 ${ms(gated.p99 - upstream.p99)} ms, ${refused} refused | ` +
        `pass-through proxy p50 ${ms(forwarded.p50)} p99 ${ms(forwarded.p99)} ms (adds p50 ${ms(forwarded.p50 - upstream.p50)}; ` +
        `the gateway adds p50 ${ms(gated.p50 - forwarded.p50)} ms more) | ` +
        `PEA decision alone p50 ${ms(decide.p50)} p99 ${ms(decide.p99)} ms, ` +
        `with its outcome report p50 ${ms(decideAndReport.p50)} p99 ${ms(decideAndReport.p99)} ms`,
      `      CPU per call, µs: direct: ${cpuLine(upstream.cpu)} | pass-through: ${cpuLine(forwarded.cpu)} | ` +
        `via gateway: ${cpuLine(gated.cpu)} | ` +
        `decision alone: ${cpuLine(decide.cpu)} | with its report: ${cpuLine(decideAndReport.cpu)}`,
    );
  }
  if (!PROFILE)
    console.log(
      `MCP gateway overhead per tools/call (${process.env.DATABASE_URL ? "Postgres" : "PGlite"}, ${CALLS} calls each, loopback)`,
    );
  for (const row of rows) console.log(row);
} finally {
  await Promise.all(children.map(stopChild));
  await pdp.close();
}

if (profiled) {
  const window = { fromUs: profiled.fromUs, toUs: profiled.toUs };
  console.log(
    `gated tools/call at c=1 (${process.env.DATABASE_URL ? "Postgres" : "PGlite"}): p50 ${fmt(profiled.p50, 2)} ms; CPU per call, each process (profiles in ${profileDir}):`,
  );
  const summaries: string[] = [];
  for (const name of ["gateway", "pdp", "tools"]) {
    const dir = join(profileDir, name);
    const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no profile written in ${dir}`);
    const summary = summariseProfile(JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile, window, 12);
    console.log(`  ${name.padEnd(8)} ${fmt(summary.busyUs / profiled.calls)} µs`);
    if (name !== "tools") summaries.push(`\n== ${name}\n${summary.text}`);
  }
  for (const text of summaries) console.log(text);
}
