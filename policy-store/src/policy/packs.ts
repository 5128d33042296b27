import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ErrorCode, PeaError } from "@pea/schemas";
import type { EntitlementSeed } from "../setup/seed.js";

/** The AuthZEN interop packs shipped in policy-store/packs/: ordinary policies, schema and seed data. */
export const packNames = ["todo", "gateway", "search", "idp"] as const;
export type PackName = (typeof packNames)[number];

export const packsDir = fileURLToPath(new URL("../../packs", import.meta.url));

export interface PolicyPack {
  name: PackName;
  /** The pack's own Cedar schema (its vocabulary replaces schemas/pea.cedarschema). */
  schemaText: string;
  policyDir: string;
  seed: EntitlementSeed;
}

export class PackError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

export async function loadPack(name: string): Promise<PolicyPack> {
  if (!(packNames as readonly string[]).includes(name)) {
    throw new PackError(`unknown pack "${name}" (one of ${packNames.join(", ")})`);
  }
  const dir = join(packsDir, name);
  const schemaText = await readFile(join(dir, "schema.cedarschema"), "utf8");
  const raw = JSON.parse(await readFile(join(dir, "seed.json"), "utf8")) as Partial<EntitlementSeed>;
  const seed: EntitlementSeed = {
    users: raw.users ?? [],
    groups: raw.groups ?? [],
    segments: raw.segments ?? [],
    memberships: raw.memberships ?? {},
    agents: raw.agents ?? [],
    intents: raw.intents ?? [],
    resources: raw.resources ?? [],
  };
  return { name: name as PackName, schemaText, policyDir: join(dir, "policies"), seed };
}
