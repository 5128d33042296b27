// `pea policy ...`: the policy-as-code workflow (format, test, publish, activate, rollback, diff, shadow).
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Database } from "@pea/migrations";
import {
  activationHistory,
  approveActivation,
  compilePolicySet,
  defaultPolicyDir,
  formatImpactReport,
  formatPolicySources,
  formatProblem,
  fourEyesRequired,
  generateSigningKeyPem,
  getVersion,
  type LoadedPolicySet,
  listVersions,
  loadSchema,
  loadSigningKey,
  PolicySetError,
  PolicyVersionError,
  pendingActivations,
  publishVersion,
  readPolicyDir,
  readPolicyState,
  replayDecisions,
  requestActivation,
  rollbackTarget,
  type SchemaInfo,
  setFourEyes,
  setShadow,
  shadowReport,
  verifyVersion,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { actingAs, requireKey } from "./acting.js";
import type { CliConfig } from "./config.js";
import { runPolicyTests } from "./policy-tests.js";
import { withStore } from "./store.js";
import { type Out, readCommandLine, readFlags, UsageError } from "./usage.js";

export const policyUsage = `  pea policy validate [dir]                    strictly validate Cedar policies against the schema
  pea policy format [--check] [dir]            format with Cedar's formatter (--check: list unformatted files, exit 1)
  pea policy test [dir] [--tests DIR] [--name TEXT] [--json] [--junit FILE]
                                               run the policy test cases (default: the tests/ beside dir);
                                               --name: only cases whose "file > name" contains TEXT;
                                               --junit: also write JUnit XML for CI test reports
  pea policy publish [dir] --message M [--tests DIR]
                                               validate + test, then store a signed immutable version
  pea policy versions                          published versions, the active one, activations, pending requests
  pea policy activate VERSION                  make VERSION active on every PDP (a request when four-eyes is on)
  pea policy rollback                          return to the version active before the current one
  pea policy approve REQUEST                   approve another person's activation request (four-eyes)
  pea policy four-eyes on|off                  require a second person for activation and rollback
  pea policy diff [dir] --last N [--base DIR] [--json] [--fail-on-flips]
                                               replay the last N decisions against dir: what would flip
                                               from what PDPs serve now (the active version, else
                                               PEA_POLICY_DIR), or from --base DIR
  pea policy shadow VERSION | --off | --report run VERSION beside the active one on live traffic, never enforced
  publish, activate, rollback, approve, four-eyes and shadow act as the user of PEA_API_KEY (your own
  user key with the admin scope): the author, the requester, the approver. An approval needs a second
  person: another user's key.`;

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** The commit the policy directory is at, "+dirty" when it has uncommitted changes; null outside git. */
function gitCommitOf(dir: string): string | null {
  const head = git(dir, ["rev-parse", "HEAD"]);
  if (!head) return null;
  const dirty = git(dir, ["status", "--porcelain", "--", "."]);
  return dirty ? `${head}+dirty` : head;
}

/** The publisher's Ed25519 key: PEA_POLICY_SIGNING_KEY, else one kept in the data directory (created once). */
async function signingKey(config: CliConfig, out: Out) {
  const path = config.PEA_POLICY_SIGNING_KEY ?? join(config.PEA_DATA_DIR, "policy-signing-key.pem");
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch {
    if (config.PEA_POLICY_SIGNING_KEY) throw new PolicyVersionError(`cannot read the policy signing key ${path}`);
    pem = generateSigningKeyPem();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, pem, { mode: 0o600 });
    await chmod(path, 0o600);
    out.log(`created a policy signing key in ${path} (set PEA_POLICY_SIGNING_KEY to use your own)`);
  }
  return loadSigningKey(pem);
}

/** Read and strictly compile a policy directory; problems are printed as file:line:column. */
async function compileDir(
  dir: string,
  schema: SchemaInfo,
  out: Out,
): Promise<{ set: LoadedPolicySet; sources: Awaited<ReturnType<typeof readPolicyDir>> } | undefined> {
  const sources = await readPolicyDir(dir).catch(() => []);
  if (sources.length === 0) {
    out.error(`pea: no .cedar files under ${dir}`);
    return undefined;
  }
  try {
    return { set: compilePolicySet(sources, schema), sources };
  } catch (error) {
    if (!(error instanceof PolicySetError)) throw error;
    for (const problem of error.problems) out.error(formatProblem(problem));
    out.error(`${error.problems.length} problem(s)`);
    return undefined;
  }
}

const testsDirFor = (dir: string, explicit: string | undefined) => explicit ?? join(resolve(dir), "..", "tests");

export async function policyCommand(sub: string | undefined, args: string[], config: CliConfig, out: Out) {
  switch (sub) {
    case "format":
      return policyFormat(args, out);
    case "test":
      return policyTest(args, out);
    case "publish":
      return policyPublish(args, config, out);
    case "versions":
      return policyVersions(args, config, out);
    case "activate":
    case "rollback":
      return policyActivate(sub, args, config, out);
    case "approve":
      return policyApprove(args, config, out);
    case "four-eyes":
      return policyFourEyes(args, config, out);
    case "diff":
      return policyDiff(args, config, out);
    case "shadow":
      return policyShadow(args, config, out);
    default:
      throw new UsageError(
        `policy takes: validate, format, test, publish, versions, activate, rollback, approve, four-eyes, diff, shadow`,
      );
  }
}

async function policyFormat(args: string[], out: Out): Promise<number> {
  const { values, positionals } = readCommandLine(args, { check: { type: "boolean" } });
  const dir = positionals[0] ?? defaultPolicyDir;
  const sources = await readPolicyDir(dir).catch(() => []);
  if (sources.length === 0) {
    out.error(`pea: no .cedar files under ${dir}`);
    return 1;
  }
  let bad = 0;
  let changed = 0;
  for (const result of formatPolicySources(sources)) {
    if ("error" in result) {
      out.error(`${result.file}: cannot format: ${result.error} (hint: run pea policy validate)`);
      bad++;
    } else if (result.changed) {
      changed++;
      if (values.check) out.error(`${result.file}: not formatted (hint: run pea policy format)`);
      else {
        await writeFile(join(dir, result.file), result.formatted);
        out.log(`formatted ${result.file}`);
      }
    }
  }
  if (bad > 0) return 1;
  if (values.check) {
    if (changed > 0) {
      out.error(`${changed} of ${sources.length} file(s) need formatting`);
      return 1;
    }
    out.log(`${sources.length} file(s) are formatted`);
    return 0;
  }
  out.log(`${changed} of ${sources.length} file(s) reformatted`);
  return 0;
}

async function policyTest(args: string[], out: Out): Promise<number> {
  const { values, positionals } = readCommandLine(args, {
    tests: { type: "string" },
    json: { type: "boolean" },
    name: { type: "string" },
    junit: { type: "string" },
  });
  const dir = positionals[0] ?? defaultPolicyDir;
  const schema = loadSchema(readCedarSchema());
  const compiled = await compileDir(dir, schema, out);
  if (!compiled) return 1;
  const result = await runPolicyTests({
    policyDir: dir,
    testsDir: testsDirFor(dir, values.tests),
    json: values.json === true,
    name: values.name,
    junit: values.junit,
    out,
  });
  return result.failed > 0 || result.passed === 0 ? 1 : 0;
}

async function policyPublish(args: string[], config: CliConfig, out: Out): Promise<number> {
  const { values, positionals } = readCommandLine(args, {
    message: { type: "string", short: "m" },
    tests: { type: "string" },
    "git-commit": { type: "string" },
  });
  if (!values.message) throw new UsageError("policy publish needs --message");
  requireKey(config);
  const dir = positionals[0] ?? defaultPolicyDir;
  const key = await signingKey(config, out);
  const schema = loadSchema(readCedarSchema());
  const compiled = await compileDir(dir, schema, out);
  if (!compiled) {
    out.error("not published: the policies are not valid");
    return 1;
  }
  const tests = await runPolicyTests({
    policyDir: dir,
    testsDir: testsDirFor(dir, values.tests),
    json: false,
    out,
  });
  if (tests.failed > 0 || tests.passed === 0) {
    out.error(tests.passed === 0 ? "not published: no policy tests ran" : "not published: policy tests failed");
    return 1;
  }
  return withStore(config, async (db) => {
    const author = await actingAs(db, config);
    const { version, created } = await publishVersion(db, {
      sources: compiled.sources,
      policyCount: compiled.set.policies.size,
      gitCommit: values["git-commit"] ?? gitCommitOf(dir),
      author: author.userId,
      apiKeyId: author.apiKeyId,
      message: values.message as string,
      key,
    });
    out.log(
      created
        ? `published version ${version.id} (${version.policyCount} policies, signed by ${version.keyId}${version.gitCommit ? `, commit ${version.gitCommit}` : ""})`
        : `version ${version.id} is already published (same content, by ${version.author} at ${version.createdAt}): nothing stored`,
    );
    return 0;
  });
}

async function policyVersions(args: string[], config: CliConfig, out: Out): Promise<number> {
  readFlags(args, {});
  return withStore(config, async (db) => {
    const state = await readPolicyState(db);
    const versions = await listVersions(db);
    if (versions.length === 0) out.log("no published versions: PDPs serve their policy directory");
    for (const v of versions) {
      const mark = v.id === state.active?.versionId ? "*" : v.id === state.shadowVersionId ? "s" : " ";
      out.log(
        `${mark} ${v.id}  ${v.createdAt}  ${v.author}  ${v.gitCommit ?? "-"}  ${v.policyCount} policies  ${JSON.stringify(v.message)}`,
      );
    }
    out.log(`four-eyes: ${(await fourEyesRequired(db)) ? "on" : "off"}`);
    for (const a of await activationHistory(db, 10)) {
      out.log(
        `  #${a.seq} ${a.kind} ${a.versionId} by ${a.requestedBy}${a.approvedBy ? `, approved by ${a.approvedBy}` : ""} at ${a.createdAt}`,
      );
    }
    for (const p of await pendingActivations(db)) {
      out.log(`  pending ${p.id}: ${p.kind} ${p.versionId} requested by ${p.requestedBy} at ${p.requestedAt}`);
    }
    return 0;
  });
}

/** The same checks a PDP makes before serving a version: it verifies and compiles here first. */
async function checkLoadable(db: Database, id: string, out: Out) {
  const version = await getVersion(db, id);
  if (!version) {
    out.error(`pea: no published version ${id}`);
    return undefined;
  }
  const problem = verifyVersion(version);
  if (problem) {
    out.error(`pea: ${problem}; it cannot be activated`);
    return undefined;
  }
  try {
    compilePolicySet(version.files, loadSchema(readCedarSchema()), { version: version.id });
  } catch (error) {
    if (!(error instanceof PolicySetError)) throw error;
    for (const p of error.problems) out.error(formatProblem(p));
    out.error(`pea: version ${version.id} does not load against the current schema; it cannot be activated`);
    return undefined;
  }
  return version;
}

async function policyActivate(
  kind: "activate" | "rollback",
  args: string[],
  config: CliConfig,
  out: Out,
): Promise<number> {
  const { positionals } = readCommandLine(args, {});
  if (kind === "activate" && !positionals[0]) throw new UsageError("policy activate needs a VERSION");
  requireKey(config);
  return withStore(config, async (db) => {
    const actor = await actingAs(db, config);
    const wanted = kind === "activate" ? (positionals[0] as string) : await rollbackTarget(db);
    if (!wanted) {
      out.error("pea: there is no earlier activation to roll back to");
      return 1;
    }
    const version = await checkLoadable(db, wanted, out);
    if (!version) return 1;
    const { active } = await readPolicyState(db);
    if (kind === "activate" && active?.versionId === version.id) {
      out.log(`version ${version.id} is already active`);
      return 0;
    }
    const outcome = await requestActivation(db, {
      versionId: version.id,
      kind,
      actor: actor.userId,
      apiKeyId: actor.apiKeyId,
    });
    if (outcome.status === "pending") {
      out.log(
        `four-eyes: ${kind} of ${version.id} requested by ${actor.userId} as ${outcome.requestId}; another person approves it with their own key: pea policy approve ${outcome.requestId}`,
      );
    } else {
      out.log(
        `${kind === "rollback" ? "rolled back to" : "activated"} version ${version.id} (activation #${outcome.activation.seq})`,
      );
    }
    return 0;
  });
}

async function policyApprove(args: string[], config: CliConfig, out: Out): Promise<number> {
  const { positionals } = readCommandLine(args, {});
  if (!positionals[0]) throw new UsageError("policy approve needs a REQUEST id");
  requireKey(config);
  return withStore(config, async (db) => {
    const approver = await actingAs(db, config);
    const pending = (await pendingActivations(db)).find((p) => p.id === positionals[0]);
    if (pending && !(await checkLoadable(db, pending.versionId, out))) return 1;
    try {
      const activation = await approveActivation(db, {
        requestId: positionals[0] as string,
        approver: approver.userId,
        apiKeyId: approver.apiKeyId,
      });
      out.log(
        `approved by ${approver.userId}: ${activation.kind} of version ${activation.versionId} (activation #${activation.seq})`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof PolicyVersionError)) throw error;
      out.error(`pea: ${error.message}`);
      return 1;
    }
  });
}

async function policyFourEyes(args: string[], config: CliConfig, out: Out): Promise<number> {
  const { positionals } = readCommandLine(args, {});
  const mode = positionals[0];
  if (mode !== "on" && mode !== "off") throw new UsageError("policy four-eyes takes on or off");
  requireKey(config);
  return withStore(config, async (db) => {
    const actor = await actingAs(db, config);
    await setFourEyes(db, mode === "on", actor.userId, actor.apiKeyId);
    out.log(`four-eyes is ${mode}`);
    return 0;
  });
}

async function policyDiff(args: string[], config: CliConfig, out: Out): Promise<number> {
  const { values, positionals } = readCommandLine(args, {
    last: { type: "string" },
    base: { type: "string" },
    json: { type: "boolean" },
    "fail-on-flips": { type: "boolean" },
  });
  const last = Number(values.last ?? "1000");
  if (!Number.isSafeInteger(last) || last < 1) throw new UsageError("--last takes a positive integer");
  const dir = positionals[0] ?? defaultPolicyDir;
  const schema = loadSchema(readCedarSchema());
  const candidate = await compileDir(dir, schema, out);
  if (!candidate) return 1;
  const baseDir = values.base ? await compileDir(values.base, schema, out) : undefined;
  if (values.base && !baseDir) return 1;
  return withStore(config, async (db) => {
    let base: { set: LoadedPolicySet; label: string } | undefined = baseDir
      ? { set: baseDir.set, label: `${values.base} (${baseDir.set.version})` }
      : undefined;
    if (!base) {
      // What the PDPs serve now: the active version, or (none published yet) their policy directory.
      const { active } = await readPolicyState(db);
      const version = active ? await getVersion(db, active.versionId) : undefined;
      if (version) {
        base = {
          set: compilePolicySet(version.files, schema, { version: version.id }),
          label: `the active version ${version.id}`,
        };
      } else {
        const servedDir = config.PEA_POLICY_DIR ?? defaultPolicyDir;
        const served = await compileDir(servedDir, schema, out);
        if (!served) return 1;
        base = { set: served.set, label: `the policy directory PDPs serve (${served.set.version}; nothing published)` };
      }
    }
    const report = await replayDecisions(db, {
      last,
      schema,
      candidate: candidate.set,
      base,
      firmDomains: config.PEA_FIRM_DOMAINS,
      policyDir: dir,
    });
    if (values.json) out.log(JSON.stringify(report, null, 2));
    else for (const line of formatImpactReport(report)) out.log(line);
    return values["fail-on-flips"] && report.flips > 0 ? 1 : 0;
  });
}

async function policyShadow(args: string[], config: CliConfig, out: Out): Promise<number> {
  const { values, positionals } = readCommandLine(args, { off: { type: "boolean" }, report: { type: "boolean" } });
  if (!values.report && !values.off && !positionals[0]) {
    throw new UsageError("policy shadow takes a VERSION, --off or --report");
  }
  if (!values.report) requireKey(config);
  return withStore(config, async (db) => {
    if (values.report) {
      const { shadowVersionId } = await readPolicyState(db);
      const id = positionals[0] ?? shadowVersionId;
      if (!id) {
        out.error("pea: no shadow version (name one)");
        return 1;
      }
      const report = await shadowReport(db, id);
      const total = report.flips.reduce((n, f) => n + f.count, 0);
      out.log(`shadow version ${id}: ${total} flip(s) recorded`);
      for (const f of report.flips) out.log(`  ${f.direction} ${f.rule}: ${f.count} (e.g. ${f.example})`);
      return 0;
    }
    const actor = await actingAs(db, config);
    if (values.off) {
      await setShadow(db, null, actor.userId, actor.apiKeyId);
      out.log("shadow mode is off");
      return 0;
    }
    const version = await checkLoadable(db, positionals[0] as string, out);
    if (!version) return 1;
    await setShadow(db, version.id, actor.userId, actor.apiKeyId);
    out.log(`version ${version.id} runs in shadow beside the active one (flips recorded, never enforced)`);
    return 0;
  });
}
