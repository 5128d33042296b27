import type { EntitlementSeed } from "../seed.js";
import { bankSeed } from "./bank.js";
import { governmentSeed } from "./government.js";
import { healthcareSeed } from "./healthcare.js";

/** The seed data sets shipped with PEA, by name (`pea seed <name>`, scenario files' "seed"). */
export const seeds: Record<string, EntitlementSeed> = {
  demo: bankSeed,
  bank: bankSeed,
  healthcare: healthcareSeed,
  government: governmentSeed,
};
