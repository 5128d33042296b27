// Reads a V8 .cpuprofile and says where the time went, by area of PEA and by function.

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
  /** Microseconds on the monotonic clock process.hrtime reads. */
  startTime: number;
}

/** Areas, first match wins; matched against "url functionName". */
const areas: Array<[string, RegExp]> = [
  ["idle", /^ \(idle\)$/],
  ["GC", /^ \(garbage collector\)$/],
  ["zod validation", /node_modules\/zod\//],
  ["pino logging", /node_modules\/(pino|sonic-boom|thread-stream)/],
  ["HTTP: Hono", /node_modules\/(hono|@hono)\//],
  // wasm frames have no area of their own: they count for the JS that called them (Cedar or PGlite).
  ["Cedar (wasm)", /cedar[-_]wasm/],
  ["signing (jose)", /node_modules\/jose\/|trust\/artifacts\.ts|trust\/signing-keys\.ts/],
  ["audit write", /audit\/(chain|decision-log)\.ts|governance\/history\.ts /],
  ["DB driver: PGlite", /node_modules\/@electric-sql\/pglite/],
  ["DB driver: pg", /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//],
  [
    "facts + decide",
    /policy-store\/src\/(decision\/(decide|decision|facts|inputs|pipeline|trust-steps|approval-rules)\.ts|governance\/|engine\/|trust\/|cedar\/)/,
  ],
  ["authorize + route", /policy-store\/src\/decision\/authorize\.ts|apps\/pdp\//],
  ["http-kit", /http-kit\/src\//],
  ["other PEA", /\/(policy-store|schemas|migrations)\/src\//],
  [
    "Node HTTP + net",
    /^node:(_http|http|net|stream|internal\/streams|internal\/http|_stream|events)|^node:internal\/(stream|net|http)/,
  ],
  ["crypto (sign, hash, random)", /^node:internal\/crypto/],
  ["Node other", /^node:/],
  ["JSON (native)", /^ (stringify|parse)$/],
  ["crypto (native)", /^ (sign|digest|update|randomBytes|createHash|Hash|Sign)$/],
  ["program (V8/native)", /^ \(program\)$/],
];

function areaOf(url: string, name: string): string | undefined {
  const key = `${url} ${name}`;
  for (const [area, pattern] of areas) if (pattern.test(key)) return area;
  return undefined;
}

const shortUrl = (url: string) =>
  url.replace(/^.*\/(node_modules\/)/, "$1").replace(/^file:\/\/.*?\/(?=[a-z-]+\/src\/)/, "");

/** Self time by area (a native frame counts for its caller's area), top self and inclusive functions. */
export function summariseProfile(
  profile: CpuProfile,
  window: { fromUs: number; toUs: number } = { fromUs: 0, toUs: Number.POSITIVE_INFINITY },
  top = 25,
): { busyUs: number; text: string } {
  // Only the samples taken inside the window (the measured run, not start-up or warm-up).
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= window.fromUs && at <= window.toUs) {
      samples.push(id);
      timeDeltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaCache = new Map<number, string>();
  const area = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    const n = byId.get(id);
    const own = n ? areaOf(n.callFrame.url, n.callFrame.functionName) : undefined;
    const up = parent.get(id);
    const result = own ?? (up === undefined ? "unattributed" : area(up));
    areaCache.set(id, result);
    return result;
  };
  const selfById = new Map<number, number>();
  samples.forEach((id, i) => {
    selfById.set(id, (selfById.get(id) ?? 0) + (timeDeltas[i] ?? 0));
  });
  const total = [...selfById.values()].reduce((a, b) => a + b, 0);
  const busy = total - (selfById.get(profile.nodes.find((n) => n.callFrame.functionName === "(idle)")?.id ?? -1) ?? 0);

  const byArea = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const functionsByArea = new Map<string, Map<string, number>>();
  for (const [id, us] of selfById) {
    byArea.set(area(id), (byArea.get(area(id)) ?? 0) + us);
    const n = byId.get(id);
    if (!n) continue;
    const name = `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + us);
    const inArea = functionsByArea.get(area(id)) ?? new Map<string, number>();
    inArea.set(name, (inArea.get(name) ?? 0) + us);
    functionsByArea.set(area(id), inArea);
  }
  // Inclusive: each function counted once per sample whose stack holds it.
  const inclusive = new Map<string, number>();
  samples.forEach((leaf, i) => {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n?.callFrame.url.includes("/src/")) continue;
      const name = `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      if (!seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + (timeDeltas[i] ?? 0));
      }
    }
  });
  const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const lines = [
    `CPU busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`,
    "",
    "self time by area (% of busy):",
  ];
  for (const [name, us] of [...byArea].sort((a, b) => b[1] - a[1])) {
    if (name === "idle") continue;
    lines.push(`  ${pct(us, busy)}  ${name}`);
    // What an area is made of, for the areas that matter.
    if (us / busy < 0.04) continue;
    const inArea = [...(functionsByArea.get(name) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 6);
    for (const [fn, fnUs] of inArea) lines.push(`            ${pct(fnUs, busy)}  ${fn}`);
  }
  lines.push("", `top ${top} functions by self time (% of busy):`);
  for (const [name, us] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, top + 1)) {
    if (name.startsWith("(idle)")) continue;
    lines.push(`  ${pct(us, busy)}  ${name}`);
  }
  lines.push("", `top ${top} PEA functions by inclusive time (% of busy):`);
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${pct(us, busy)}  ${name}`);
  }
  return { busyUs: busy, text: lines.join("\n") };
}
