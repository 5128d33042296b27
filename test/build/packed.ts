// Pack PEA's packages as a user receives them (`npm pack`) and install them into an empty folder
// without the network: the third-party packages come from npm's cache, pinned by a lockfile
// written from the repository's own lockfile (an install without one would ask the registry for
// package metadata, which the cache does not hold).
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
  [key: string]: unknown;
}

/** Build (turbo: skipped when unchanged) and pack the workspaces; returns the tarballs' paths. */
export async function buildAndPack(workspaces: string[], into: string): Promise<Map<string, string>> {
  await run("npx", ["turbo", "run", "build", "--output-logs=errors-only", ...workspaces.map((w) => `--filter=${w}`)], {
    cwd: repoRoot,
    maxBuffer: 16 << 20,
  });
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--pack-destination", into, ...workspaces.flatMap((w) => ["-w", w])],
    { cwd: repoRoot, maxBuffer: 16 << 20 },
  );
  const packed = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
  return new Map(packed.map((p) => [p.name, join(into, p.filename)]));
}

/** Install the tarballs into `dir` (an empty project) with `npm ci --offline`. */
export async function installOffline(dir: string, tarballs: Map<string, string>): Promise<void> {
  const rootLock = JSON.parse(await readFile(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const manifests = new Map<string, LockEntry & { name: string }>();
  for (const name of tarballs.keys()) {
    const workspace = Object.entries(rootLock.packages).find(([, e]) => e.name === name)?.[0];
    if (workspace === undefined) throw new Error(`${name} is not a workspace of this repository`);
    manifests.set(name, JSON.parse(await readFile(join(repoRoot, workspace, "package.json"), "utf8")));
  }

  const packages: Record<string, LockEntry> = {};
  const wanted: Array<[string, string]> = [];
  const want = (from: string, entry: LockEntry) => {
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers[n]?.optional),
    ];
    for (const name of names) wanted.push([from, name]);
  };
  for (const [name, manifest] of manifests) {
    const path = `node_modules/${name}`;
    const { name: _n, scripts: _s, devDependencies: _d, exports: _e, files: _f, ...kept } = manifest;
    packages[path] = { ...kept, resolved: `file:${tarballs.get(name)}` };
    want(path, manifest);
  }
  // Node's lookup: the nearest node_modules up from the requiring package, as in the repository.
  while (wanted.length > 0) {
    const [from, name] = wanted.pop() as [string, string];
    if (tarballs.has(name)) continue;
    let path: string | undefined;
    for (let base = from; ; ) {
      const candidate = `${base}/node_modules/${name}`;
      if (rootLock.packages[candidate]) {
        path = candidate;
        break;
      }
      const up = base.lastIndexOf("/node_modules/");
      if (up < 0) break;
      base = base.slice(0, up);
    }
    path ??= rootLock.packages[`node_modules/${name}`] ? `node_modules/${name}` : undefined;
    if (!path) {
      if (rootLock.packages[from]?.optionalDependencies?.[name]) continue;
      throw new Error(`${name} (needed by ${from}) is not in the repository's lockfile`);
    }
    if (packages[path]) continue;
    const entry = rootLock.packages[path] as LockEntry;
    packages[path] = { ...entry, dev: undefined, devOptional: undefined, peer: undefined };
    want(path, entry);
  }

  const dependencies = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
  const project = { name: "pea-install-check", version: "1.0.0", private: true, dependencies };
  await writeFile(join(dir, "package.json"), JSON.stringify(project, null, 2));
  const lock = { ...project, lockfileVersion: 3, requires: true, packages: { "": project, ...packages } };
  await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
  await run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
}
