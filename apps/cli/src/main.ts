import { migrate } from "@pea/migrations";
import {
  ApiKeyError,
  applySeed,
  compilePolicySet,
  defaultPolicyDir,
  formatProblem,
  loadSchema,
  PolicySetError,
  readPolicyDir,
  seeds,
} from "@pea/policy-store";
import { parseEnv, readCedarSchema } from "@pea/schemas";
import { auditCommand, auditUsage } from "./audit.js";
import { CliConfig } from "./config.js";
import { keysCommand, keysUsage } from "./keys.js";
import { membershipCommand, membershipUsage } from "./membership.js";
import { policyCommand, policyUsage } from "./policy.js";
import { withStore } from "./store.js";
import { isUsageError, type Out, readCommandLine, UsageError } from "./usage.js";

/** Each command's part of the usage (what `pea COMMAND --help` prints). */
const sections = new Map<string, string>([
  ["migrate", "  pea migrate                                  apply database migrations"],
  [
    "seed",
    "  pea seed demo|healthcare|government          load a demo organisation (Meridian Bank, St. Elsewhere, the Ministry)",
  ],
  ["keys", keysUsage],
  ["audit", auditUsage],
  ["policy", policyUsage],
  ["membership", membershipUsage],
  ["sod", membershipUsage],
]);

const usage = `pea — PEA's command line

${[...new Set(sections.values())].join("\n")}

Commands that change something act as the user of PEA_API_KEY: your own key (a user key with the
admin scope), checked against the store. Nobody acts under a name they merely type.
The store is DATABASE_URL if set, else the embedded store in PEA_DATA_DIR (default ./.pea),
reached through the running PDP when \`npm start\` has it open.`;

const console_: Out = { log: (l) => console.log(l), error: (l) => console.error(l) };

/** Run one command; returns the process exit code. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out = console_,
): Promise<number> {
  const [command, sub, ...rest] = argv;
  const section = command !== undefined ? sections.get(command) : undefined;
  if (section && argv.slice(1).some((a) => a === "--help" || a === "-h")) {
    out.log(section);
    return 0;
  }
  try {
    const config = parseEnv(CliConfig, env);
    switch (command) {
      case "migrate":
        return await withStore(
          config,
          async (db) => {
            const { applied } = await migrate(db);
            out.log(applied.length > 0 ? `applied ${applied.join(", ")}` : "already up to date");
            return 0;
          },
          { migrate: false },
        );
      case "seed": {
        const seed = sub ? seeds[sub] : undefined;
        if (!sub || !seed) throw new UsageError(`seed takes one data set: ${Object.keys(seeds).join(", ")}`);
        return await withStore(config, async (db) => {
          await applySeed(db, seed, "cli");
          out.log(sub === "demo" ? "seeded the Meridian Bank demo" : `seeded ${sub}`);
          return 0;
        });
      }
      case "keys":
        return await keysCommand(sub, rest, config, out);
      case "audit":
        return await auditCommand(sub, rest, config, out);
      case "membership":
      case "sod":
        return await membershipCommand(command, sub, rest, config, out);
      case "policy":
        if (sub === "validate") return await policyValidate(rest, out);
        return await policyCommand(sub, rest, config, out);
      case undefined:
      case "help":
      case "--help":
        out.log(usage);
        return 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (isUsageError(error)) {
      out.error(`pea: ${(error as Error).message}\n\n${section ?? usage}`);
      return 2;
    }
    if (error instanceof ApiKeyError) {
      out.error(`pea: ${error.message}`);
      return 1;
    }
    out.error(`pea: ${(error as Error).message}`);
    return 1;
  }
}

async function policyValidate(args: string[], out: Out): Promise<number> {
  const { positionals } = readCommandLine(args, {});
  const dir = positionals[0] ?? defaultPolicyDir;
  const sources = await readPolicyDir(dir);
  if (sources.length === 0) {
    out.error(`pea: no .cedar files under ${dir}`);
    return 1;
  }
  try {
    const set = compilePolicySet(sources, loadSchema(readCedarSchema()));
    out.log(`${set.policies.size} policies in ${sources.length} files are valid (version ${set.version})`);
    return 0;
  } catch (error) {
    if (!(error instanceof PolicySetError)) throw error;
    for (const problem of error.problems) out.error(formatProblem(problem));
    out.error(`${error.problems.length} problem(s)`);
    return 1;
  }
}
