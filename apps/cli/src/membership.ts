// `pea membership add|check` and `pea sod declare|check`: assignment paths that refuse
// separation-of-duties conflicts (policy-store/src/governance/sod.ts).
import { assignMembership, declareSodConflict, findSodViolations, SodConflictError } from "@pea/policy-store";
import { actingAs, requireKey } from "./acting.js";
import type { CliConfig } from "./config.js";
import { withStore } from "./store.js";
import { type Out, readCommandLine, UsageError } from "./usage.js";

export const membershipUsage = `  pea membership add --member User::dave --parent Group::payments-approvers
                                               grant a membership; refused if it breaks separation of duties
  pea sod declare GROUP_A GROUP_B [--description TEXT]
                                               declare two groups nobody may hold together
  pea sod check                                list anyone holding both groups of a conflict (exit 1 if any)
  add and declare act as the user of PEA_API_KEY (your own user key with the admin scope)`;

function parseRef(text: string | undefined, what: string): { type: string; id: string } {
  const at = text?.indexOf("::") ?? -1;
  if (!text || at <= 0) throw new UsageError(`${what} must look like Type::id`);
  return { type: text.slice(0, at), id: text.slice(at + 2) };
}

export async function membershipCommand(
  command: "membership" | "sod",
  sub: string | undefined,
  args: string[],
  config: CliConfig,
  out: Out,
): Promise<number> {
  const { values, positionals } = readCommandLine(args, {
    member: { type: "string" },
    parent: { type: "string" },
    description: { type: "string" },
  });
  try {
    if (command === "membership" && sub === "add") {
      const member = parseRef(values.member, "--member");
      const parent = parseRef(values.parent, "--parent");
      requireKey(config);
      const added = await withStore(config, async (db) => {
        const actor = await actingAs(db, config);
        return assignMembership(db, { member, parent, grantedBy: `User::${actor.userId}`, apiKeyId: actor.apiKeyId });
      });
      out.log(
        added ? `added ${values.member} to ${values.parent}` : `${values.member} was already in ${values.parent}`,
      );
      return 0;
    }
    if (command === "sod" && sub === "declare") {
      const [a, b] = positionals;
      if (!a || !b) throw new UsageError("sod declare needs two group ids");
      requireKey(config);
      await withStore(config, async (db) => {
        const actor = await actingAs(db, config);
        await declareSodConflict(db, {
          a,
          b,
          description: values.description,
          declaredBy: `User::${actor.userId}`,
          apiKeyId: actor.apiKeyId,
        });
      });
      out.log(`Group::${a} and Group::${b} may no longer be held together`);
      return 0;
    }
    if (command === "sod" && sub === "check") {
      const violations = await withStore(config, (db) => findSodViolations(db));
      for (const v of violations) out.error(`${v.holder} holds both Group::${v.conflict.a} and Group::${v.conflict.b}`);
      out.log(violations.length === 0 ? "no separation-of-duties conflicts" : `${violations.length} conflict(s)`);
      return violations.length === 0 ? 0 : 1;
    }
    throw new UsageError(command === "sod" ? "sod takes: declare, check" : "membership takes: add");
  } catch (error) {
    if (error instanceof SodConflictError) {
      out.error(`pea: refused: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
