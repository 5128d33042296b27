import type { EntitlementSeed } from "../seed.js";
import { entity, people, teams } from "./build.js";

const doc = (id: string, classification: string, level: number, compartments: string[], releasableTo: string[]) => ({
  type: "ClassifiedDocument",
  id,
  attributes: {
    classification,
    level,
    compartments: compartments.map((c) => entity("Compartment", c)),
    releasableTo,
  },
});
const cleared = (clearance: number, compartments: string[], citizenship?: string) => ({
  clearance,
  compartments: compartments.map((c) => entity("Compartment", c)),
  ...(citizenship ? { citizenship } : {}),
});

/**
 * The Ministry (demo): the government pack's organisation (policies/government). E-mail domain
 * mod.example. Levels: 0 UNCLASSIFIED, 1 CONFIDENTIAL, 2 SECRET, 3 TOP SECRET.
 */
export const governmentSeed: EntitlementSeed = {
  ...people([
    ["gina", "Gina Hart (senior analyst; TS, GAMMA)", ["analysts"]],
    ["sam", "Sam Reed (analyst; SECRET)", ["analysts"]],
    ["ursula", "Ursula Lee (logistics officer; CONFIDENTIAL)", ["ministry-staff"]],
    ["frank", "Franck Morel (liaison officer, French citizen; TS, GAMMA)", ["ministry-staff"]],
  ]),
  groups: teams("ministry-staff", "Everyone at the ministry", { analysts: "Intelligence analysts" }),
  segments: [],
  principalAttributes: {
    "User::gina": cleared(3, ["GAMMA"], "GBR"),
    "User::sam": cleared(2, [], "GBR"),
    "User::ursula": cleared(1, [], "GBR"),
    "User::frank": cleared(3, ["GAMMA"], "FRA"),
    "Agent::brief-writer": cleared(3, ["GAMMA"]),
    "Agent::summarizer": cleared(3, ["GAMMA"]),
    "Agent::translator": cleared(2, []),
    "Agent::sam-assistant": cleared(2, []),
  },
  intents: [
    {
      id: "intel-briefing",
      description: "Read reporting, write the briefing, e-mail it",
      capabilities: [
        ["classified:read", "ClassifiedDocument"],
        ["classified:write", "ClassifiedDocument"],
        ["email:send", "EmailAddress"],
      ],
    },
  ],
  agents: [
    {
      id: "brief-writer",
      owner: "gina",
      description: "Drafts briefings; accredited TOP SECRET, GAMMA",
      intents: ["intel-briefing"],
    },
    {
      id: "summarizer",
      owner: "gina",
      description: "Summarises reporting for the brief-writer; accredited TOP SECRET, GAMMA",
      intents: ["intel-briefing"],
      delegableBy: ["brief-writer"],
    },
    {
      id: "translator",
      owner: "gina",
      description: "Translates for the brief-writer; accredited SECRET only",
      intents: ["intel-briefing"],
      delegableBy: ["brief-writer"],
    },
    { id: "sam-assistant", owner: "sam", description: "Sam's drafting assistant; SECRET", intents: ["intel-briefing"] },
  ],
  resources: [
    doc("report-u", "UNCLASSIFIED", 0, [], ["GBR", "FRA", "USA"]),
    doc("report-c", "CONFIDENTIAL", 1, [], ["GBR", "USA"]),
    doc("report-s", "SECRET", 2, [], ["GBR", "FRA", "USA"]),
    doc("report-ts", "TOP SECRET", 3, [], ["GBR"]),
    doc("report-ts-gamma", "TOP SECRET", 3, ["GAMMA"], ["GBR", "FRA"]),
    doc("report-s-talent", "SECRET", 2, ["TALENT"], ["GBR"]),
    doc("brief-u", "UNCLASSIFIED", 0, [], ["GBR"]),
    doc("brief-s", "SECRET", 2, [], ["GBR"]),
    doc("brief-ts", "TOP SECRET", 3, [], ["GBR"]),
  ],
};
