// Fails when relative imports form a cycle (Tarjan's strongly connected components), in the
// source folders the architecture keeps acyclic. Type-only imports count: a cycle of types still
// ties two modules together. Usage: node scripts/import-cycles.mjs [folder…]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const defaults = ["policy-store/src", "http-kit/src", "client/src", "schemas/src", "migrations/src"].concat(
  readdirSync(join(root, "apps")).map((app) => `apps/${app}/src`),
);
const folders = (process.argv.length > 2 ? process.argv.slice(2) : defaults).filter((f) => existsSync(join(root, f)));

const sources = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sources(path);
    return /\.tsx?$/.test(name) && !/\.(test|d)\.tsx?$/.test(name) ? [path] : [];
  });

/** The module a relative specifier names (`./x.js` is `./x.ts` or `./x.tsx` on disk). */
function resolveImport(from, specifier) {
  const base = resolve(dirname(from), specifier).replace(/\.js$/, "");
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;
const graph = new Map();
for (const file of folders.flatMap((f) => sources(join(root, f)))) {
  const text = readFileSync(file, "utf8");
  const edges = new Set();
  for (const match of text.matchAll(IMPORT)) {
    const target = resolveImport(file, match[1] ?? match[2]);
    if (target) edges.add(target);
  }
  graph.set(file, edges);
}

// Tarjan, iterative (a deep chain of imports must not overflow the stack).
let index = 0;
const indexOf = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const cycles = [];
for (const start of graph.keys()) {
  if (indexOf.has(start)) continue;
  const work = [{ node: start, edges: [...(graph.get(start) ?? [])], next: 0 }];
  indexOf.set(start, index);
  low.set(start, index++);
  stack.push(start);
  onStack.add(start);
  while (work.length > 0) {
    const frame = work[work.length - 1];
    if (frame.next < frame.edges.length) {
      const to = frame.edges[frame.next++];
      if (!graph.has(to)) continue;
      if (!indexOf.has(to)) {
        indexOf.set(to, index);
        low.set(to, index++);
        stack.push(to);
        onStack.add(to);
        work.push({ node: to, edges: [...(graph.get(to) ?? [])], next: 0 });
      } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), indexOf.get(to)));
      continue;
    }
    work.pop();
    const parent = work[work.length - 1];
    if (parent) low.set(parent.node, Math.min(low.get(parent.node), low.get(frame.node)));
    if (low.get(frame.node) === indexOf.get(frame.node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfLoop = graph.get(frame.node)?.has(frame.node);
      if (component.length > 1 || selfLoop) cycles.push(component);
    }
  }
}

for (const component of cycles) {
  console.log(
    `cycle: ${component
      .map((f) => relative(root, f))
      .sort()
      .join(" ↔ ")}`,
  );
}
console.log(`${graph.size} modules in ${folders.join(", ")}: ${cycles.length} import cycle(s)`);
process.exit(cycles.length > 0 ? 1 : 0);
