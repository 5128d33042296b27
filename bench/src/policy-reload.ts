// npm run bench:policy-reload -- hot policy reload on a running engine.
//   1. reload time for 100, 1,000 and 10,000 synthetic policies (plus the shipped packs): from the
//      activation's commit to the engine serving the new version (notify/poll, fetch, signature
//      check, strict validation, preparse, swap), and the bare compile time of the same set;
//   2. hot reload under load: IN_FLIGHT concurrent authorize() loops run through an activation;
//      requests answered during the swap, errors (exceptions or fail-closed denies), p99 before,
//      during and after.
// Store: PGlite in memory, or Postgres when DATABASE_URL is set (its public schema is reset).
// The check of each set runs in a worker thread and only the preparse on the event loop, a slice
// per turn; versions no longer served are freed (their preparsed slots reused).
// Runs with --no-turbo-inlining, like bench:audit: Node 20.20's V8 can abort ("unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) when it lazily deoptimizes a hot decide().
import { openDatabase } from "@pea/migrations";
import {
  authorize,
  compilePolicySetAsync,
  DecisionLog,
  defaultPolicyDir,
  generateSigningKeyPem,
  loadSchema,
  loadSigningKey,
  type PolicySource,
  prepareStore,
  publishVersion,
  readPolicyDir,
  requestActivation,
  slotCounts,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { callerFor, startDemoEngine } from "./setup.js";
import { fmt, percentile } from "./stats.js";
import { demoWorkload } from "./workload.js";

const SIZES = (process.env.BENCH_RELOAD_SIZES ?? "100,1000,10000").split(",").map(Number);
const IN_FLIGHT = 16;
const PHASE_MS = 3_000;
const databaseUrl = process.env.DATABASE_URL;
const failClosed = new Set(["evaluation_error", "store_unavailable", "audit_unavailable"]);

/** N valid policies against the schema, 100 per file; none changes a demo decision. */
function synthetic(n: number, salt: string): PolicySource[] {
  const files: PolicySource[] = [];
  for (let f = 0; f * 100 < n; f++) {
    let text = "";
    for (let i = f * 100; i < Math.min(n, (f + 1) * 100); i++) {
      text +=
        i % 10 === 9
          ? `@id("synthetic.${salt}.f${i}")\n@reason("policy_denied")\nforbid (principal, action == Action::"dataset:export", resource is Dataset)\nwhen { resource.classification == "${salt}-class-${i}" };\n\n`
          : `@id("synthetic.${salt}.p${i}")\npermit (principal is User, action == Action::"dataset:read", resource is Dataset)\nwhen { resource.classification == "${salt}-class-${i}" && principal.status == "active" };\n\n`;
    }
    files.push({ file: `synthetic/${salt}-${String(f).padStart(4, "0")}.cedar`, text });
  }
  return files;
}

async function main() {
  const database = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: "memory://" });
  if (databaseUrl) await database.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await prepareStore(database, { seed: "demo" });
  const key = loadSigningKey(generateSigningKeyPem());
  const schema = loadSchema(readCedarSchema());
  const shipped = await readPolicyDir(defaultPolicyDir);
  const engine = await startDemoEngine(database);
  const log = new DecisionLog(database);
  const deps = { engine, log };

  const publish = async (sources: PolicySource[], message: string) =>
    (await publishVersion(database, { sources, policyCount: 0, author: "bench", message, key })).version.id;
  const activate = async (id: string) => {
    const started = performance.now();
    await requestActivation(database, { versionId: id, kind: "activate", actor: "bench" });
    while (engine.policyVersion !== id) await new Promise((r) => setTimeout(r, 2));
    return { id, ms: performance.now() - started };
  };
  const publishAndActivate = async (sources: PolicySource[], message: string) =>
    activate(await publish(sources, message));

  console.log(
    `store: ${database.kind}${databaseUrl ? "" : " (in memory)"}; the shipped packs plus N synthetic policies\n`,
  );
  console.log("1. reload time (activation committed -> engine serving it) and bare compile time");
  console.log("   policies   reload ms   compile ms");
  for (const n of SIZES) {
    const sources = [...shipped, ...synthetic(n, `r${n}`)];
    const t = performance.now();
    const compiled = await compilePolicySetAsync(sources, schema, { version: `bench-${n}` });
    const compileMs = performance.now() - t;
    compiled.retire(); // only timed: its preparsed slices are freed, as a PDP frees a version it stops serving
    const { ms } = await publishAndActivate(sources, `${n} synthetic`);
    console.log(`   ${fmt(n).padStart(8)}   ${fmt(ms).padStart(9)}   ${fmt(compileMs).padStart(10)}`);
  }

  console.log(`\n2. hot reload under load (${IN_FLIGHT} concurrent authorize() loops, demo workload)`);
  console.log(
    "   swap to    requests before  during  after   errors   p99 before   p99 during   p99 after   swap ms   longest stall ms",
  );
  for (const n of SIZES) {
    // Start from the shipped packs only, then swap to shipped + N.
    await publishAndActivate(shipped, "baseline");
    const target = [...shipped, ...synthetic(n, `l${n}`)];
    const phases: Record<"before" | "during" | "after", number[]> = { before: [], during: [], after: [] };
    let phase: keyof typeof phases = "before";
    let errors = 0;
    let stop = false;
    let i = 0;
    const loops = Array.from({ length: IN_FLIGHT }, async () => {
      while (!stop) {
        const request = demoWorkload[i++ % demoWorkload.length];
        const started = performance.now();
        const bucket = phase;
        try {
          const answer = await authorize(request as never, callerFor(request as never), deps);
          if (answer.decision === "deny" && answer.reasons.some((r) => failClosed.has(r.code))) errors++;
        } catch {
          errors++;
        }
        phases[bucket].push((performance.now() - started) * 1000);
      }
    });
    await new Promise((r) => setTimeout(r, PHASE_MS));
    const id = await publish(target, `${n} synthetic under load`);
    phase = "during";
    // The longest the event loop went without a turn during the swap: what p99 hides when few
    // requests are in flight (a step on the event loop that no request could overtake).
    let stall = 0;
    let tick = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - tick - 5);
      tick = now;
    }, 5);
    const { ms } = await activate(id);
    clearInterval(probe);
    phase = "after";
    await new Promise((r) => setTimeout(r, PHASE_MS));
    stop = true;
    await Promise.all(loops);
    const p99 = (xs: number[]) =>
      xs.length
        ? `${fmt(
            percentile(
              [...xs].sort((a, b) => a - b),
              99,
            ),
          )} us`
        : "-";
    console.log(
      `   ${fmt(n).padStart(7)}   ${fmt(phases.before.length).padStart(15)}  ${fmt(phases.during.length).padStart(6)}  ${fmt(phases.after.length).padStart(6)}   ${String(errors).padStart(6)}   ${p99(phases.before).padStart(10)}   ${p99(phases.during).padStart(10)}   ${p99(phases.after).padStart(9)}   ${fmt(ms).padStart(7)}   ${fmt(stall).padStart(16)}`,
    );
  }
  await swapMemory(shipped, publishAndActivate);
  await engine.stop();
  await database.close();
}

/**
 * 3. memory across repeated swaps: SWAPS activations of a fresh SWAP_POLICIES-policy set each (a
 *    new version every time, as a busy policy repository would publish), RSS and heap after each
 *    (after a GC when --expose-gc is given). Versions no longer served should not stay resident.
 */
async function swapMemory(
  shipped: PolicySource[],
  publishAndActivate: (sources: PolicySource[], message: string) => Promise<{ ms: number }>,
) {
  const swaps = Number(process.env.BENCH_SWAPS ?? 20);
  const size = Number(process.env.BENCH_SWAP_POLICIES ?? 10_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  const mib = (bytes: number) => fmt(bytes / 1_048_576);
  console.log(`\n3. memory across ${swaps} swaps of ${fmt(size)} policies (a new version each time)`);
  console.log("   swap   swap ms   RSS MiB   heap MiB   external MiB");
  const rss: number[] = [];
  for (let swap = 1; swap <= swaps; swap++) {
    const { ms } = await publishAndActivate([...shipped, ...synthetic(size, `m${swap}`)], `memory swap ${swap}`);
    gc?.();
    const memory = process.memoryUsage();
    rss.push(memory.rss);
    console.log(
      `   ${String(swap).padStart(4)}   ${fmt(ms).padStart(7)}   ${mib(memory.rss).padStart(7)}   ${mib(memory.heapUsed).padStart(8)}   ${mib(memory.external).padStart(12)}`,
    );
  }
  const first = rss[0] ?? 0;
  const last = rss[rss.length - 1] ?? 0;
  console.log(
    `   RSS grew ${mib(last - first)} MiB from swap 1 to swap ${swaps} (${mib((last - first) / Math.max(1, swaps - 1))} MiB per swap)`,
  );
  const slots = slotCounts();
  console.log(`   preparsed slots: ${slots.created} created, ${slots.inUse} in use, ${slots.idle} idle`);
}

await main();
