import type { EntitlementSeed } from "../seed.js";
import { entity, people, teams } from "./build.js";

const record = (id: string, patient: string, classification: string, phi = true) => ({
  type: "MedicalRecord",
  id,
  attributes: { patient: entity("Patient", patient), classification, phi },
  parents: [{ type: "Patient", id: patient }],
});

/** St. Elsewhere Hospital: the healthcare pack's organisation (policies/healthcare). E-mail domain elsewhere.example. */
export const healthcareSeed: EntitlementSeed = {
  ...people([
    ["dr-grey", "Dr. Meredith Grey (attending; care team of p-100)", ["clinicians"]],
    ["nina", "Nina Patel (nurse researcher; care team of p-100)", ["clinicians", "research"]],
    ["dr-house", "Dr. Greg House (clinician; care team of p-200 only)", ["clinicians"]],
    ["billy", "Billy Tran (billing)", ["billing"]],
    ["quinn", "Quinn Adams (quality and operations)", ["quality"]],
    ["rita", "Rita Okafor (research)", ["research"]],
  ]),
  groups: teams("hospital-staff", "Everyone at St. Elsewhere", {
    clinicians: "Doctors and nurses",
    billing: "Billing office",
    quality: "Quality and operations",
    research: "Clinical research",
  }),
  segments: [],
  intents: [
    {
      id: "clinical-documentation",
      description: "Read and update the chart of a patient in care; message the care team",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["record:write", "MedicalRecord"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "claims-coding",
      description: "Read billing records to code claims; e-mail the payer",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "quality-review",
      description: "Review charts for quality measures; export de-identified extracts",
      capabilities: [
        ["record:read", "MedicalRecord"],
        ["record:export", "MedicalRecord"],
      ],
    },
  ],
  agents: [
    {
      id: "scribe",
      owner: "dr-grey",
      description: "Ambient scribe: drafts notes into the chart",
      intents: ["clinical-documentation"],
    },
    {
      id: "summarizer",
      owner: "dr-grey",
      description: "Summarises charts; a sub-agent of the scribe",
      intents: ["clinical-documentation"],
      delegableBy: ["scribe"],
    },
    { id: "coder", owner: "billy", description: "Codes claims for billing", intents: ["claims-coding"] },
    {
      id: "nina-assistant",
      owner: "nina",
      description: "Nina's assistant: charting, and de-identified extracts for her research",
      intents: ["clinical-documentation", "quality-review"],
    },
    { id: "qa-bot", owner: "quinn", description: "Quality measure abstraction", intents: ["quality-review"] },
  ],
  resources: [
    {
      type: "Patient",
      id: "p-100",
      attributes: { careTeam: [entity("User", "dr-grey"), entity("User", "nina")], optOut: false },
    },
    { type: "Patient", id: "p-200", attributes: { careTeam: [entity("User", "dr-house")], optOut: true } },
    record("chart-100", "p-100", "clinical"),
    record("bill-100", "p-100", "billing"),
    record("psych-100", "p-100", "psychotherapy"),
    record("deid-100", "p-100", "deidentified", false),
    record("chart-200", "p-200", "clinical"),
    record("bill-200", "p-200", "billing"),
    record("deid-200", "p-200", "deidentified", false),
  ],
};
